import type { IncomingMessage, ServerResponse } from "node:http";
import { verifyHmac, type HmacVerdict } from "./hmacVerifier";
import { readBody, replyBytes, replyError } from "./httpReplies";
import { matchFoundingRoute, matchStorageRoute, type RecordingRoute } from "./recordingRoutes";
import { respondRecording } from "./recordingResponder";
import { logRequest } from "./requestLog";
import type { SimContext } from "./simContext";
import { count } from "./simCounters";
import type { SimListenerName, SimRequestRecord } from "./types";

/** Handles one request on one listener: log, read body, verify HMAC, route. Never throws. */
export async function handleRequest(context: SimContext, listener: SimListenerName, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const record = logRequest(context.requests, listener, req, res);
  try {
    await dispatch(context, listener, req, res, record);
  } catch (error) {
    if (!res.headersSent) replyError(res, record, 500, "SimulatorError", String(error));
    else res.destroy();
  }
}

async function dispatch(context: SimContext, listener: SimListenerName, req: IncomingMessage, res: ServerResponse, record: SimRequestRecord): Promise<void> {
  const body = await readBody(req);
  if (listener === "foreign") {
    context.counters.totals.foreignRequests += 1;
    return replyBytes(res, record, 200, Buffer.from("not an ACS host; request recorded\n"), {
      "Content-Type": "text/plain; charset=utf-8",
    });
  }
  const target = req.url ?? "/";
  const pathname = target.split("?", 1)[0] ?? "/";
  const route = listener === "endpoint" ? matchFoundingRoute(pathname) : matchStorageRoute(pathname);
  record.documentId = route?.documentId;
  count(context.counters, route?.documentId, (counts) => (counts.requests += 1));
  if (body === undefined) return replyError(res, record, 413, "RequestEntityTooLarge", "request body too large");

  const verdict = authenticate(context, listener, req, target, pathname, body);
  if (!verdict.ok) {
    record.authFailure = verdict.reason;
    count(context.counters, route?.documentId, (counts) => (counts.unauthorized += 1));
    return replyError(res, record, 401, "Unauthorized", `HMAC authentication failed: ${verdict.reason}`);
  }
  record.authorized = true;

  if (!route) {
    if (listener === "endpoint" && (await tryEndpointRoutes(context, req, res, body))) {
      if (res.headersSent) record.status = res.statusCode;
      return;
    }
    return replyError(res, record, 404, "NotFound", `no route for ${req.method ?? "GET"} ${pathname}`);
  }
  if (!checkRequest(listener, route, req, target, res, record)) return;
  await respondRecording({ context, listener, route, target, range: req.headers.range, res, record });
}

/**
 * Endpoint: the signed host is the Host header and the signed path is the raw request target (path and query).
 * Storage hosts: the client signs the ACS endpoint's host (sent as x-ms-host) and the path without query.
 */
function authenticate(context: SimContext, listener: SimListenerName, req: IncomingMessage, target: string, pathname: string, body: Buffer): HmacVerdict {
  const common = {
    headers: req.headers,
    method: req.method ?? "GET",
    body,
    key: context.key,
    maxClockSkewMs: context.maxClockSkewMs,
    now: Date.now(),
  };
  if (listener === "endpoint") {
    const host = req.headers.host;
    if (!host) return { ok: false, reason: "missing Host header" };
    return verifyHmac({ ...common, host, pathAndQuery: target });
  }
  const forwardedHost = req.headers["x-ms-host"];
  const msHost = Array.isArray(forwardedHost) ? forwardedHost[0] : forwardedHost;
  if (!msHost) return { ok: false, reason: "missing x-ms-host header (storage hosts need the ACS endpoint host)" };
  if (msHost.toLowerCase() !== context.endpointHost.toLowerCase()) {
    return { ok: false, reason: `x-ms-host "${msHost}" is not this ACS resource's host` };
  }
  return verifyHmac({ ...common, host: msHost, pathAndQuery: pathname });
}

function checkRequest(
  listener: SimListenerName,
  route: RecordingRoute,
  req: IncomingMessage,
  target: string,
  res: ServerResponse,
  record: SimRequestRecord,
): boolean {
  if ((req.method ?? "GET") !== route.method) {
    replyError(res, record, 405, "MethodNotAllowed", `${req.method ?? "?"} is not allowed here`, { Allow: route.method });
    return false;
  }
  if (listener === "endpoint") {
    const query = new URLSearchParams(target.includes("?") ? target.slice(target.indexOf("?") + 1) : "");
    if (!query.get("api-version")) {
      replyError(res, record, 400, "MissingApiVersionParameter", "the api-version query parameter is required");
      return false;
    }
  }
  return true;
}

async function tryEndpointRoutes(context: SimContext, req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<boolean> {
  for (const route of context.endpointRoutes) {
    if (await route(req, res, body)) {
      context.counters.totals.endpointRouteRequests += 1;
      return true;
    }
  }
  return false;
}
