import { createServer, request, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** What the proxy does with one request: pass it to Azurite, answer a status itself, or never answer. */
export type StorageVerdict = { readonly answer: number } | "hang" | undefined;

export interface HostileStorage {
  /** An Azurite connection string whose blob endpoint is this proxy. */
  readonly connectionString: string;
  /** Requests seen, in order: method and the URL's path and query. */
  readonly requests: { method: string; url: string }[];
  close(): Promise<void>;
}

/**
 * A Blob Storage endpoint that misbehaves on purpose, in front of the test Azurite (real sockets): each
 * request is forwarded unless `decide` answers it with a status (an Azure-style error) or lets it hang.
 */
export async function startHostileStorage(
  azuriteConnectionString: string,
  decide: (req: IncomingMessage) => StorageVerdict,
): Promise<HostileStorage> {
  const blobEndpoint = /BlobEndpoint=([^;]+)/.exec(azuriteConnectionString)?.[1];
  if (!blobEndpoint) throw new Error("the Azurite connection string has no BlobEndpoint");
  const target = new URL(blobEndpoint);
  const requests: { method: string; url: string }[] = [];
  const hanging = new Set<IncomingMessage>();
  const server: Server = createServer((req, res) => {
    requests.push({ method: req.method ?? "", url: req.url ?? "" });
    const verdict = decide(req);
    if (verdict === "hang") {
      hanging.add(req);
      req.resume();
      return;
    }
    if (verdict) {
      req.resume();
      req.on("end", () => {
        const body = `<?xml version="1.0" encoding="utf-8"?><Error><Code>ServerBusy</Code><Message>hostile storage says ${verdict.answer}</Message></Error>`;
        res.writeHead(verdict.answer, {
          "Content-Type": "application/xml",
          "Content-Length": Buffer.byteLength(body),
          "x-ms-error-code": "ServerBusy",
        });
        res.end(body);
      });
      return;
    }
    const upstream = request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: target.host },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on("error", () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const proxied = `http://127.0.0.1:${port}${target.pathname}`;
  return {
    connectionString: azuriteConnectionString.replace(blobEndpoint, proxied),
    requests,
    close: async () => {
      for (const req of hanging) req.socket.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
