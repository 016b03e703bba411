import { createServer, type IncomingMessage } from "node:http";
import { Readable } from "node:stream";
import { HttpRequest, HttpResponse, type HttpRequestInit, type HttpResponseInit } from "@azure/functions";
import type { RegisteredFunction } from "./compiledApp";
import { capturingContext, type CapturedLog } from "./testSettings";

/** A registered HTTP function served on loopback the way a streaming Functions host does it. */
export interface FunctionHttpServer {
  /** Base URL; requests to any path reach the function. */
  readonly url: string;
  /** Request body bytes the function pulled from the socket so far (all requests). */
  readonly bodyBytesRead: number;
  /** Every log line of every invocation. */
  readonly logs: readonly CapturedLog[];
  stop(): Promise<void>;
}

/** `HttpRequest`'s own init for a native (streaming) request, as the library's HTTP-stream mode builds it. */
type StreamingInit = HttpRequestInit & { readonly nativeRequest: Request };

/**
 * Serves `fn` over real HTTP: the request body reaches the handler as a stream (nothing is buffered
 * ahead of the handler), counted as the handler pulls it; the answer is written when the handler
 * returns, and a body the handler did not read to its end is then dropped with the connection.
 */
export async function serveHttpFunction(fn: RegisteredFunction): Promise<FunctionHttpServer> {
  let bodyBytesRead = 0;
  const logs: CapturedLog[] = [];
  const server = createServer((req, res) => {
    const { context, logs: invocationLogs } = capturingContext(fn.metadata.name);
    const counted = countedBody(req, (bytes) => (bodyBytesRead += bytes));
    const init: StreamingInit = {
      nativeRequest: new Request(`http://127.0.0.1${req.url ?? "/"}`, requestInit(req, counted)),
    };
    // The invocation's log lines are recorded before its answer leaves, so a client that has the answer sees them.
    Promise.resolve(fn.handler(new HttpRequest(init), context))
      .then(async (result) => {
        const response = new HttpResponse(result as HttpResponseInit);
        const body = Buffer.from(await response.arrayBuffer());
        logs.push(...invocationLogs);
        res.writeHead(response.status, {
          ...Object.fromEntries(response.headers),
          "content-length": String(body.length),
          connection: "close",
        });
        res.end(body);
      })
      .catch((error: unknown) => {
        logs.push(...invocationLogs);
        res.writeHead(500, { connection: "close" });
        res.end(String(error));
      });
    res.on("finish", () => {
      if (!req.complete) req.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return {
    url: `http://127.0.0.1:${address.port}`,
    get bodyBytesRead() {
      return bodyBytesRead;
    },
    logs,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function requestInit(req: IncomingMessage, body: ReadableStream<Uint8Array>): RequestInit & { duplex: "half" } {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined && !["host", "connection", "transfer-encoding"].includes(name))
      headers.set(name, Array.isArray(value) ? value.join(", ") : value);
  }
  const method = req.method ?? "GET";
  return { method, headers, duplex: "half", ...(method === "GET" || method === "HEAD" ? {} : { body }) };
}

/** The request body as a web stream that counts the bytes pulled through it (pull-based: only what the handler asks for). */
function countedBody(req: IncomingMessage, count: (bytes: number) => void): ReadableStream<Uint8Array> {
  const source = Readable.toWeb(req).getReader() as ReadableStreamDefaultReader<Uint8Array>;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const { done, value } = await source.read();
        if (done) return controller.close();
        count(value.byteLength);
        controller.enqueue(value);
      },
      cancel(reason) {
        return source.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}
