import { createServer, request as httpRequest, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface Refusal {
  readonly status: number;
  /** The Storage error code (x-ms-error-code and the XML body's <Code>). */
  readonly code: string;
  readonly message: string;
}

export interface StorageRefusalProxy {
  /** `http://127.0.0.1:<port>`: put `${url}/devstoreaccount1` as BlobEndpoint. */
  readonly url: string;
  /** Requests answered with the refusal instead of being forwarded. */
  readonly refused: string[];
  close(): Promise<void>;
}

/**
 * A real HTTP hop in front of Azurite's blob service, standing in for what Azurite does not
 * implement (immutability policies, legal holds): requests `refuse` picks are answered the way
 * Storage answers them (status, x-ms-error-code, XML error body); all others are forwarded as they
 * are (Shared Key signatures do not cover the Host header, so they stay valid).
 */
export async function startStorageRefusalProxy(
  target: string,
  refuse: (request: IncomingMessage) => Refusal | undefined,
  options: { stall?: (request: IncomingMessage) => boolean } = {},
): Promise<StorageRefusalProxy> {
  const upstream = new URL(target);
  const refused: string[] = [];
  const server: Server = createServer((req, res) => {
    const refusal = refuse(req);
    if (refusal) {
      refused.push(`${req.method ?? ""} ${req.url ?? ""}`);
      req.resume();
      const body = `<?xml version="1.0" encoding="utf-8"?><Error><Code>${refusal.code}</Code><Message>${refusal.message}</Message></Error>`;
      res.writeHead(refusal.status, {
        "content-type": "application/xml",
        "x-ms-error-code": refusal.code,
        "x-ms-request-id": "refusal-proxy",
        "content-length": Buffer.byteLength(body),
      });
      res.end(body);
      return;
    }
    const stall = options.stall?.(req) ?? false;
    const forward = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: upstream.host },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        if (!stall) {
          answer.pipe(res);
          return;
        }
        // A peer that sends the headers and the first piece of the body, then nothing (connection kept open).
        answer.once("data", (piece: Buffer) => {
          res.write(piece.subarray(0, Math.min(piece.length, 16 * 1024)));
          answer.destroy();
        });
      },
    );
    forward.on("error", () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    refused,
    close: () =>
      new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}
