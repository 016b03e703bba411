import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http";
import type { SimRequestRecord } from "./types";

const MAX_REQUEST_BODY_BYTES = 4 * 1024 * 1024;

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

export function replyJson(
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

/** Reads the whole request body (bounded); undefined when it is larger than the limit. */
export function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    let tooLarge = false;
    req.on("data", (chunk: Buffer) => {
      length += chunk.length;
      if (length > MAX_REQUEST_BODY_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on("end", () => resolve(tooLarge ? undefined : Buffer.concat(chunks)));
    req.on("error", reject);
  });
}
