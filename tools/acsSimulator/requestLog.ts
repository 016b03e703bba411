import type { IncomingMessage, ServerResponse } from "node:http";
import type { SimListenerName, SimRequestRecord } from "./types";

/**
 * Appends a record for a request as it arrives and keeps it up to date: status once headers are sent, bytes as
 * they are written, `done` when the exchange is over (finished, or the socket closed or was reset).
 */
export function logRequest(
  log: SimRequestRecord[],
  listener: SimListenerName,
  req: IncomingMessage,
  res: ServerResponse,
): SimRequestRecord {
  const record: SimRequestRecord = {
    at: new Date(),
    listener,
    method: req.method ?? "GET",
    url: req.url ?? "/",
    hostHeader: req.headers.host,
    headers: { ...req.headers },
    range: req.headers.range,
    documentId: undefined,
    status: 0,
    authorized: false,
    bytesSent: 0,
    done: false,
  };
  log.push(record);
  res.once("close", () => {
    if (res.headersSent) record.status = res.statusCode;
    record.done = true;
  });
  return record;
}
