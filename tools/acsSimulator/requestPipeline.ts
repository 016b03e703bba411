import type { IncomingMessage, ServerResponse } from "node:http";
import { verifyHmac } from "./hmacVerifier";
import { readBody, replyBytes, replyError } from "./httpReplies";
import { matchPreview2021Route, matchStorageRoute, type RecordingRoute } from "./recordingRoutes";
import { respondRecording } from "./recordingResponder";
import { logRequest } from "./requestLog";
import type { SimContext } from "./simContext";
import { count } from "./simCounters";
import type { SimResourceState } from "./simResources";
import type { SimKeyName, SimListenerName, SimRequestRecord } from "./types";

/** Who signed a request: the resource it was signed for and which of its keys, or why it is refused. */
type Signer = { ok: true; resource: SimResourceState; key: SimKeyName } | { ok: false; reason: string };

/**
 * Handles one request on one listener: log, read body, verify HMAC, route. Never throws. An endpoint listener
 * belongs to one resource (`endpointOf`); storage hosts serve every resource, told apart by x-ms-host.
 */
export async function handleRequest(
  context: SimContext,
  listener: SimListenerName,
  req: IncomingMessage,
  res: ServerResponse,
  endpointOf?: SimResourceState,
): Promise<void> {
  const record = logRequest(context.requests, listener, req, res);
  try {
    await dispatch(context, listener, req, res, record, endpointOf ?? firstResource(context));
  } catch (error) {
    if (!res.headersSent) replyError(res, record, 500, "SimulatorError", String(error));
    else res.destroy();
  }
}

async function dispatch(
  context: SimContext,
  listener: SimListenerName,
  req: IncomingMessage,
  res: ServerResponse,
  record: SimRequestRecord,
  endpointOf: SimResourceState,
): Promise<void> {
  const body = await readBody(req);
  if (listener === "foreign") {
    context.counters.totals.foreignRequests += 1;
    return replyBytes(res, record, 200, Buffer.from("not an ACS host; request recorded\n"), {
      "Content-Type": "text/plain; charset=utf-8",
    });
  }
  const target = req.url ?? "/";
  const pathname = target.split("?", 1)[0] ?? "/";
  const route = listener === "endpoint" ? matchPreview2021Route(pathname) : matchStorageRoute(pathname);
  record.documentId = route?.documentId;
  count(context.counters, route?.documentId, (counts) => (counts.requests += 1));
  if (body === undefined) return replyError(res, record, 413, "RequestEntityTooLarge", "request body too large");

  const signer = authenticate(context, listener, req, target, pathname, body, endpointOf);
  if (!signer.ok) {
    record.authFailure = signer.reason;
    count(context.counters, route?.documentId, (counts) => (counts.unauthorized += 1));
    return replyError(res, record, 401, "Unauthorized", `HMAC authentication failed: ${signer.reason}`);
  }
  record.authorized = true;
  record.resourceId = signer.resource.resourceId;
  record.signedWith = signer.key;

  if (!route) {
    if (listener === "endpoint" && (await tryEndpointRoutes(context, signer.resource, req, res, body))) {
      if (res.headersSent) record.status = res.statusCode;
      return;
    }
    return replyError(res, record, 404, "NotFound", `no route for ${req.method ?? "GET"} ${pathname}`);
  }
  if (!checkRequest(listener, route, req, target, res, record)) return;
  // A valid signature of another resource does not open this resource's recordings.
  const owner = context.store.get(route.documentId)?.resourceId;
  if (owner !== undefined && owner !== signer.resource.resourceId) {
    record.authorized = false;
    record.authFailure = `the recording belongs to another ACS resource than ${signer.resource.name}`;
    count(context.counters, route.documentId, (counts) => (counts.unauthorized += 1));
    return replyError(res, record, 403, "Forbidden", `${record.authFailure}`);
  }
  await respondRecording({ context, listener, route, target, range: req.headers.range, res, record });
}

/**
 * Endpoint: the signed host is the Host header and the signed path is the raw request target (path and query); the
 * listener's resource signs. Storage hosts: the client signs the ACS endpoint's host (sent as x-ms-host, which says
 * whose recording is asked for) and the path without query. Either key of the resource is accepted.
 */
function authenticate(
  context: SimContext,
  listener: SimListenerName,
  req: IncomingMessage,
  target: string,
  pathname: string,
  body: Buffer,
  endpointOf: SimResourceState,
): Signer {
  if (listener === "endpoint") {
    const host = req.headers.host;
    if (!host) return { ok: false, reason: "missing Host header" };
    return verifyWithKeys(endpointOf, req, body, host, target, context.maxClockSkewMs);
  }
  const forwardedHost = req.headers["x-ms-host"];
  const msHost = Array.isArray(forwardedHost) ? forwardedHost[0] : forwardedHost;
  if (!msHost) return { ok: false, reason: "missing x-ms-host header (storage hosts need the ACS endpoint host)" };
  const resource = context.resources.find((candidate) => candidate.endpointHost.toLowerCase() === msHost.toLowerCase());
  if (!resource) return { ok: false, reason: `x-ms-host "${msHost}" is not the host of an ACS resource` };
  return verifyWithKeys(resource, req, body, msHost, pathname, context.maxClockSkewMs);
}

function verifyWithKeys(
  resource: SimResourceState,
  req: IncomingMessage,
  body: Buffer,
  host: string,
  pathAndQuery: string,
  maxClockSkewMs: number,
): Signer {
  // The primary key's reason is the one reported (a stale date or a wrong host fails with either key alike).
  let reason: string | undefined;
  for (const [key, secret] of resource.signingKeys()) {
    const verdict = verifyHmac({
      headers: req.headers,
      method: req.method ?? "GET",
      body,
      key: secret,
      maxClockSkewMs,
      now: Date.now(),
      host,
      pathAndQuery,
    });
    if (verdict.ok) return { ok: true, resource, key };
    reason ??= verdict.reason;
  }
  return { ok: false, reason: reason ?? "no key" };
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
    replyError(res, record, 405, "MethodNotAllowed", `${req.method ?? "?"} is not allowed here`, {
      Allow: route.method,
    });
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

async function tryEndpointRoutes(
  context: SimContext,
  resource: SimResourceState,
  req: IncomingMessage,
  res: ServerResponse,
  body: Buffer,
): Promise<boolean> {
  for (const route of resource.endpointRoutes) {
    if (await route(req, res, body)) {
      context.counters.totals.endpointRouteRequests += 1;
      return true;
    }
  }
  return false;
}

function firstResource(context: SimContext): SimResourceState {
  const [first] = context.resources;
  if (!first) throw new Error("the simulator has no resource");
  return first;
}
