import { createServer, type Socket } from "node:net";
import { azuriteConnectionString } from "../../tools/azurite";

/** A loopback server that accepts connections, reads what it is sent, and never answers: Storage that hangs. */
export interface SilentStorage {
  /** A connection string (Azurite's format) whose blob, queue and table endpoints all point at this server. */
  readonly connectionString: string;
  /** Connections accepted so far (proves the client reached it). */
  readonly connections: number;
  stop(): Promise<void>;
}

/** How much of an answer the server gives: nothing at all, or a status line and headers whose body never comes. */
export type SilentAnswer = "nothing" | "headersOnly";

const HEADERS_ONLY = "HTTP/1.1 201 Created\r\nContent-Length: 1000\r\nx-ms-request-id: silent\r\n\r\n{";

/** Starts the silent server on a free loopback port; the test stops it. */
export async function startSilentStorage(answer: SilentAnswer = "nothing"): Promise<SilentStorage> {
  const sockets = new Set<Socket>();
  let connections = 0;
  const server = createServer((socket) => {
    connections += 1;
    sockets.add(socket);
    // Read and drop: the request arrives; no answer (or no body) ever leaves.
    socket.on("data", () => {
      if (answer === "headersOnly") socket.write(HEADERS_ONLY);
    });
    socket.on("error", () => undefined);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("the silent server has no port");
  return {
    connectionString: azuriteConnectionString(address.port, address.port, address.port),
    get connections() {
      return connections;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
