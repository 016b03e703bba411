import { createServer, request as httpRequest, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A loopback HTTP proxy in front of Azurite's blob service that counts requests by Blob Storage operation, so a
 * benchmark can say how many Storage round trips the archiver pays per chunk (the app is given the proxy's
 * address as its BlobEndpoint; nothing in the app knows it is counted).
 */
export class StorageRequestCounter {
  private counts = new Map<string, number>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(targetPort: number): Promise<StorageRequestCounter> {
    const counts = { add: (_operation: string): void => undefined };
    const server = createServer((req, res) => {
      counts.add(storageOperation(req));
      const upstream = httpRequest(
        { host: "127.0.0.1", port: targetPort, method: req.method, path: req.url, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on("error", () => res.destroy());
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const counter = new StorageRequestCounter(server, (server.address() as AddressInfo).port);
    counts.add = (operation) => counter.add(operation);
    return counter;
  }

  private add(operation: string): void {
    this.counts.set(operation, (this.counts.get(operation) ?? 0) + 1);
  }

  /** The counts since the last reset, and starts counting afresh. */
  take(): Map<string, number> {
    const taken = this.counts;
    this.counts = new Map();
    return taken;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** The Blob Storage REST operation a request is (by method, `comp`/`restype` and headers). */
function storageOperation(req: Pick<IncomingMessage, "method" | "url" | "headers">): string {
  const query = new URL(req.url ?? "/", "http://storage").searchParams;
  const comp = query.get("comp");
  const container = query.get("restype") === "container";
  switch (req.method) {
    case "HEAD":
      return container ? "Get Container Properties" : "Get Blob Properties (HEAD)";
    case "GET":
      if (comp === "blocklist") return "Get Block List";
      if (comp === "list") return "List Blobs";
      return container ? "Get Container Properties" : "Get Blob (read)";
    case "PUT":
      if (comp === "block") return "Put Block";
      if (comp === "blocklist") return "Put Block List (commit)";
      if (container) return "Create Container";
      if (req.headers["x-ms-blob-type"]) return "Put Blob";
      return `PUT ${comp ?? "?"}`;
    case "DELETE":
      return container ? "Delete Container" : "Delete Blob";
    default:
      return `${req.method ?? "?"} ${comp ?? ""}`.trim();
  }
}
