import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { SimListenerName } from "./types";

const LISTENER_NAMES: readonly SimListenerName[] = ["endpoint", "storage", "regional", "foreign"];

export interface RunningListener {
  name: SimListenerName;
  server: Server;
  /** host:port as clients put it in URLs and Host headers. */
  authority: string;
}

export type ListenerHandler = (name: SimListenerName, req: IncomingMessage, res: ServerResponse) => void;

/** Starts one HTTP server per listener on `host` (port 0: a free port). */
export async function startListeners(
  host: string,
  ports: Partial<Record<SimListenerName, number>>,
  handler: ListenerHandler,
): Promise<Record<SimListenerName, RunningListener>> {
  const started: RunningListener[] = [];
  try {
    for (const name of LISTENER_NAMES) {
      started.push(await listen(name, host, ports[name] ?? 0, handler));
    }
  } catch (error) {
    await closeListeners(started);
    throw error;
  }
  const [endpoint, storage, regional, foreign] = started as [
    RunningListener,
    RunningListener,
    RunningListener,
    RunningListener,
  ];
  return { endpoint, storage, regional, foreign };
}

/** Starts one more endpoint listener (a further ACS resource) on a free port of `host`. */
export function startEndpointListener(host: string, handler: ListenerHandler): Promise<RunningListener> {
  return listen("endpoint", host, 0, handler);
}

export async function closeListeners(listeners: RunningListener[]): Promise<void> {
  await Promise.all(
    listeners.map(
      ({ server }) =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
    ),
  );
}

function listen(name: SimListenerName, host: string, port: number, handler: ListenerHandler): Promise<RunningListener> {
  return new Promise((resolve, reject) => {
    const server = createServer((req, res) => handler(name, req, res));
    server.keepAliveTimeout = 5_000;
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      const address = server.address() as AddressInfo;
      resolve({ name, server, authority: `${advertisedHost(host)}:${address.port}` });
    });
  });
}

/** The host clients should use: wildcard addresses become loopback; IPv6 literals get brackets. */
function advertisedHost(host: string): string {
  if (host === "0.0.0.0") return "127.0.0.1";
  if (host === "::") return "[::1]";
  return host.includes(":") ? `[${host}]` : host;
}
