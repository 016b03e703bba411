import type { OutgoingHttpHeaders, ServerResponse } from "node:http";
import { cutConnection, pause, streamBody, type BodyPlan } from "./bodyStreamer";
import { contentRangeHeader, parseRange } from "./byteRange";
import { replyBytes, replyError } from "./httpReplies";
import type { RecordingRoute } from "./recordingRoutes";
import type { SimContext } from "./simContext";
import { hostileFraming, replyEndlessError, wholeFileMd5 } from "./hostileReplies";
import { count } from "./simCounters";
import type { FaultSpec, SimDocument, SimListenerName, SimRequestRecord } from "./types";

export interface RecordingExchange {
  context: SimContext;
  listener: SimListenerName;
  route: RecordingRoute;
  /** Raw request target, kept by redirects. */
  target: string;
  range: string | undefined;
  res: ServerResponse;
  record: SimRequestRecord;
}

/** Answers an authenticated recording request (media, metadata or delete), applying the document's faults. */
export async function respondRecording(exchange: RecordingExchange): Promise<void> {
  const { context, route, record } = exchange;
  const documentId = route.documentId;
  count(context.counters, documentId, (counts) => {
    if (route.resource === "content") counts.contentRequests += 1;
    if (route.resource === "metadata") counts.metadataRequests += 1;
  });
  const document = context.store.live(documentId);
  if (!document) return notFound(exchange);

  const fault = context.store.takeFault(documentId, route.resource, exchange.listener);
  if (fault) {
    record.fault = fault.kind;
    count(context.counters, documentId, (counts) => (counts.faultsInjected[fault.kind] += 1));
    if (fault.kind === "endlessErrorBody") return replyEndlessError(exchange.res, record, fault);
    if (answeredByFault(exchange, fault)) return;
  }

  if (route.resource === "delete") return deleteDocument(exchange, fault);
  await sendBody(exchange, document, fault);
}

/** DELETE: "reset" resets before anything happens; "truncate" deletes, then closes without an answer. */
async function deleteDocument(exchange: RecordingExchange, fault: FaultSpec | undefined): Promise<void> {
  const { context, route, res, record } = exchange;
  if (fault?.kind === "reset") return cutConnection(res, "reset");
  if (fault?.kind === "stall" && fault.stallMs) await pause(res, fault.stallMs);
  if (res.destroyed) return;
  context.store.markDeleted(route.documentId);
  count(context.counters, route.documentId, (counts) => (counts.deletes += 1));
  if (fault?.kind === "truncate") return cutConnection(res, "truncate");
  replyBytes(res, record, 200, Buffer.alloc(0));
}

/** Faults that replace the response entirely; true when the response is settled. */
function answeredByFault(exchange: RecordingExchange, fault: FaultSpec): boolean {
  const { res, record } = exchange;
  switch (fault.kind) {
    case "expired":
      notFound(exchange);
      return true;
    case "status": {
      const status = fault.status ?? 500;
      const headers: OutgoingHttpHeaders = {};
      if (fault.retryAfterSeconds !== undefined) headers["Retry-After"] = String(fault.retryAfterSeconds);
      replyError(res, record, status, `Simulated${status}`, `simulated fault: HTTP ${status}`, headers);
      return true;
    }
    case "redirect": {
      const location = redirectLocation(exchange, fault.redirectTo ?? "regional");
      replyBytes(res, record, 302, Buffer.alloc(0), { Location: location });
      return true;
    }
    case "reset":
      if (fault.afterBytes !== undefined) return false;
      res.socket?.resetAndDestroy();
      return true;
    default:
      return false;
  }
}

async function sendBody(
  exchange: RecordingExchange,
  document: SimDocument,
  fault: FaultSpec | undefined,
): Promise<void> {
  const { context, route, res, record } = exchange;
  const isContent = route.resource === "content";
  const size = isContent
    ? fault?.kind === "resize"
      ? (fault.size ?? document.size)
      : document.size
    : document.metadata.length;
  const honourRange = !(isContent && document.ignoreRange);
  const range = honourRange ? parseRange(exchange.range, size) : { kind: "whole" as const };
  if (range.kind === "unsatisfiable") {
    return replyError(res, record, 416, "InvalidRange", `the range is not satisfiable for ${size} bytes`, {
      "Content-Range": `bytes */${size}`,
    });
  }
  const start = range.kind === "partial" ? range.start : 0;
  const end = range.kind === "partial" ? range.end : size;
  const headers: OutgoingHttpHeaders = {
    "Content-Type": isContent ? document.contentType : "application/octet-stream",
    "Content-Length": end - start,
  };
  if (honourRange) headers["Accept-Ranges"] = "bytes";
  // Metadata carries Content-Range even on 200 (a quirk of the real service).
  if (range.kind === "partial" || (!isContent && size > 0))
    headers["Content-Range"] = contentRangeHeader(start, end, size);
  if (isContent && range.kind === "whole" && (document.contentMd5 || fault?.kind === "badMd5")) {
    headers["Content-MD5"] = wholeFileMd5(fault, () => context.content.md5Base64(document.documentId, size));
  }
  const status = hostileFraming(res, fault, headers, size) ?? (range.kind === "partial" ? 206 : 200);
  record.status = status;
  res.writeHead(status, headers);

  const plan: BodyPlan = {
    start,
    end,
    read: isContent
      ? (from, to) => context.content.bytes(document.documentId, from, to)
      : (from, to) => document.metadata.subarray(from, to),
    onBytes: (bytes) => {
      record.bytesSent += bytes;
      count(context.counters, document.documentId, (counts) => {
        if (isContent) counts.contentBytesServed += bytes;
        else counts.metadataBytesServed += bytes;
      });
    },
  };
  if (fault?.kind === "bandwidth") plan.bytesPerSecond = fault.bytesPerSecond;
  if (fault?.kind === "stall") {
    plan.stallMs = fault.stallMs;
    if (fault.afterBytes !== undefined) plan.stallAfterBytes = fault.afterBytes;
  }
  if (fault?.kind === "dropTerminator") plan.cut = { afterBytes: end - start, how: "reset" };
  if (fault?.kind === "closeDelimited") plan.cut = { afterBytes: fault.afterBytes ?? end - start, how: "truncate" };
  if (fault?.kind === "reset") plan.cut = { afterBytes: fault.afterBytes ?? 0, how: "reset" };
  if (fault?.kind === "truncate") {
    plan.cut = { afterBytes: fault.afterBytes ?? Math.floor((end - start) / 2), how: "truncate" };
  }
  await streamBody(res, plan);
}

function notFound(exchange: RecordingExchange): void {
  const { context, route, res, record } = exchange;
  count(context.counters, route.documentId, (counts) => (counts.notFound += 1));
  replyError(res, record, 404, "NotFound", "the recording document does not exist or was deleted");
}

function redirectLocation(exchange: RecordingExchange, redirectTo: string): string {
  if (redirectTo === "regional" || redirectTo === "foreign") {
    return `${exchange.context.baseUrls[redirectTo]}${exchange.target}`;
  }
  return redirectTo;
}
