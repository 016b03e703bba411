import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** One publish the receiver accepted (or refused). */
interface ReceivedPublish {
  readonly at: Date;
  readonly path: string;
  readonly contentType: string;
  /** How the publisher authenticated: "key" (aeg-sas-key), "bearer" or "none". */
  readonly auth: "key" | "bearer" | "none";
  readonly status: number;
  readonly events: readonly Record<string, unknown>[];
}

export interface EventReceiver {
  /** `http://127.0.0.1:<port>/api/events`: an Event Grid topic endpoint on loopback. */
  readonly endpoint: string;
  readonly key: string;
  /** Every request, accepted or not. */
  readonly publishes: ReceivedPublish[];
  /** The events of accepted publishes, in arrival order. */
  readonly events: Record<string, unknown>[];
  /** Answer the next `count` publishes with `status` (the events are not accepted). */
  refuseNext(count: number, status?: number): void;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 2 * 1024 * 1024;

/**
 * A local stand-in for an Event Grid topic: accepts what EventGridPublisherClient sends (Event Grid
 * schema as application/json, CloudEvents as application/cloudevents-batch+json) when it carries the
 * topic key in `aeg-sas-key` (401 otherwise), and records it. Loopback only; for tests and the demo.
 */
export async function startEventReceiver(options: { key?: string; host?: string } = {}): Promise<EventReceiver> {
  const key = options.key ?? "local-topic-key-0123456789";
  const publishes: ReceivedPublish[] = [];
  const events: Record<string, unknown>[] = [];
  let refusals: { count: number; status: number } = { count: 0, status: 500 };

  const server: Server = createServer((request, response) => {
    void readBody(request).then(
      (body) => {
        const auth =
          request.headers["aeg-sas-key"] !== undefined
            ? "key"
            : /^bearer /i.test(request.headers.authorization ?? "")
              ? "bearer"
              : "none";
        let status = 200;
        let parsed: unknown;
        try {
          parsed = JSON.parse(body.toString("utf8"));
        } catch {
          status = 400;
        }
        if (request.method !== "POST") status = 405;
        else if (request.headers["aeg-sas-key"] !== key && auth !== "bearer") status = 401;
        else if (status === 200 && refusals.count > 0) {
          refusals = { ...refusals, count: refusals.count - 1 };
          status = refusals.status;
        }
        const batch = Array.isArray(parsed) ? (parsed as Record<string, unknown>[]) : [];
        publishes.push({
          at: new Date(),
          path: request.url ?? "",
          contentType: request.headers["content-type"] ?? "",
          auth,
          status,
          events: batch,
        });
        if (status === 200) events.push(...batch);
        response
          .writeHead(status, { "content-type": "application/json" })
          .end(status === 200 ? "" : JSON.stringify({ error: { code: "Refused", message: `status ${status}` } }));
      },
      () => response.writeHead(413).end(),
    );
  });
  await new Promise<void>((ready) => server.listen(0, options.host ?? "127.0.0.1", ready));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}/api/events`,
    key,
    publishes,
    events,
    refuseNext(count, status = 500) {
      refusals = { count, status };
    },
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const pieces: Buffer[] = [];
  let size = 0;
  for await (const piece of request as AsyncIterable<Buffer>) {
    size += piece.length;
    if (size > MAX_BODY_BYTES) throw new Error("body too large");
    pieces.push(piece);
  }
  return Buffer.concat(pieces, size);
}
