import { createHash } from "node:crypto";
import type { OutgoingHttpHeaders, ServerResponse } from "node:http";
import { drained, pause } from "./bodyStreamer";
import type { FaultSpec, SimRequestRecord } from "./types";

/**
 * The faults of a hostile or broken server, kept apart from the ordinary replies: framing that
 * cannot prove a body complete, error bodies that never end, and sizes or hashes that lie.
 */

const ENDLESS_PIECE = Buffer.alloc(16 * 1024, 0x20);

/** Response headers adjusted for the framing a fault asks for; call before writeHead. */
export function hostileFraming(
  res: ServerResponse,
  fault: FaultSpec | undefined,
  headers: OutgoingHttpHeaders,
  size: number,
): number | undefined {
  if (fault?.kind === "closeDelimited") {
    // HTTP/1.1 without Content-Length and without chunked framing: the body ends when the connection does.
    res.useChunkedEncodingByDefault = false;
    delete headers["Content-Length"];
    delete headers["Content-Range"];
    headers["Connection"] = "close";
    return 200;
  }
  if (fault?.kind === "dropTerminator") {
    // Chunked framing (the cut drops the terminating chunk); the size stays declared, in Content-Range even on a 200.
    delete headers["Content-Length"];
    headers["Content-Range"] ??= size > 0 ? `bytes 0-${size - 1}/${size}` : `bytes */0`;
  }
  return undefined;
}

/** A Content-MD5 for a whole-file answer: right when asked for (`contentMd5`), wrong under the badMd5 fault. */
export function wholeFileMd5(fault: FaultSpec | undefined, correct: () => string): string {
  return fault?.kind === "badMd5" ? createHash("md5").update("not the content").digest("base64") : correct();
}

/** endlessErrorBody: the fault's status (503 by default) with a JSON-looking body that never ends. */
export async function replyEndlessError(
  res: ServerResponse,
  record: SimRequestRecord,
  fault: FaultSpec,
): Promise<void> {
  const status = fault.status ?? 503;
  record.status = status;
  res.writeHead(status, { "Content-Type": "application/json; charset=utf-8" });
  res.write('{"error":{"code":"ServiceUnavailable","message":"');
  while (!res.destroyed && !res.writableEnded) {
    const accepted = res.write(ENDLESS_PIECE);
    record.bytesSent += ENDLESS_PIECE.length;
    if (!accepted) await drained(res);
    else await pause(res, 1);
  }
}
