import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http";
import { readBounded } from "../../src/shared/bodyReading";
import type { SimRequestRecord } from "./types";

const MAX_REQUEST_BODY_BYTES = 4 * 1024 * 1024;
const REQUEST_BODY_IDLE_MS = 30_000;

/** Sends an ACS-style error body: `{"error":{"code","message"}}` (the SDKs JSON.parse error bodies). */
export function replyError(
  res: ServerResponse,
  record: SimRequestRecord,
  status: number,
  code: string,
  message: string,
  headers: OutgoingHttpHeaders = {},
): void {
  replyJson(res, record, status, { error: { code, message } }, headers);
}

function replyJson(
  res: ServerResponse,
  record: SimRequestRecord,
  status: number,
  value: unknown,
  headers: OutgoingHttpHeaders = {},
): void {
  replyBytes(res, record, status, Buffer.from(JSON.stringify(value), "utf8"), {
    "Content-Type": "application/json; charset=utf-8",
    ...headers,
  });
}

export function replyBytes(
  res: ServerResponse,
  record: SimRequestRecord,
  status: number,
  body: Buffer,
  headers: OutgoingHttpHeaders = {},
): void {
  record.status = status;
  res.writeHead(status, { ...headers, "Content-Length": body.length });
  res.end(body);
  record.bytesSent += body.length;
}

/** Reads the whole request body (bounded, with an idle timeout); undefined when it is larger than the limit. */
export async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const { bytes, complete } = await readBounded(req, MAX_REQUEST_BODY_BYTES, { idleTimeoutMs: REQUEST_BODY_IDLE_MS });
  return complete ? bytes : undefined;
}
