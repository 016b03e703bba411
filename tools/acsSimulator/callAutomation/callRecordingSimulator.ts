import type { IncomingMessage, ServerResponse } from "node:http";
import type { EndpointRoute } from "../types";
import { RecordingSessions, ServiceRefusal, type SimRecording, type StoppedRecording } from "./recordingSessions";
import { parseStartRequest } from "./startRequest";

/** The five Call Automation recording operations (`@azure/communication-call-automation` CallRecording). */
export type CallRecordingOperation = "start" | "getState" | "pause" | "resume" | "stop";

/** An HTTP failure to answer instead of the operation (before any state changes). */
export interface CallRecordingFault {
  /** Default "any". */
  operation?: CallRecordingOperation | "any";
  status: number;
  /** How many matching requests fail; default 1, `Infinity` for all. */
  times?: number;
  /** Body to send (a string verbatim, e.g. an HTML error page); default `{ error: { code, message } }`. */
  body?: string | object;
  /** Default application/json, or text/html for a string body. */
  contentType?: string;
  retryAfterSeconds?: number;
  /** Wait this long before answering (a slow or stalled service). */
  delayMs?: number;
}

export interface CallAutomationRequestRecord {
  readonly operation: CallRecordingOperation;
  readonly method: string;
  /** The raw request target (path and query). */
  readonly url: string;
  readonly apiVersion: string | undefined;
  readonly repeatabilityRequestId: string | undefined;
  /** The request body as text ("" when none). */
  readonly body: string;
  status: number;
  faulted: boolean;
}

export interface CallRecordingSimulatorOptions {
  /** serverCallIds of calls in progress; `start` answers 404 for any other. More with `addCall`. */
  calls?: Iterable<string>;
  /** Treat every serverCallId as a call in progress (for manual use, e.g. curl against `func start`); default false. */
  acceptAnyCall?: boolean;
  /**
   * Called (after the answer is sent) whenever a recording stops, by a stop request or because its call ended:
   * the moment ACS would go on to publish RecordingFileStatusUpdated. Await `drain()` to wait for it.
   */
  onStopped?: (stopped: StoppedRecording) => void | Promise<void>;
  now?: () => Date;
}

export interface CallRecordingSimulator {
  /** Pass to `AcsSimulator.addEndpointRoute` (requests reaching it are HMAC-verified already). */
  readonly route: EndpointRoute;
  addCall(serverCallId: string): void;
  /** Ends a call; a recording running in it stops with endReason "callEnded" (and `onStopped` runs). */
  endCall(serverCallId: string): void;
  recording(recordingId: string): SimRecording | undefined;
  recordings(): SimRecording[];
  /** Arms a fault; faults are consumed in the order they were armed. */
  failNext(fault: CallRecordingFault): void;
  /** Disarms every fault still armed. */
  clearFaults(): void;
  readonly requests: CallAutomationRequestRecord[];
  /** Resolves when every `onStopped` callback so far has finished; rejects with the first that failed. */
  drain(): Promise<void>;
}

const RECORDINGS_PATH = "/calling/recordings";
const RECORDING_PATH = /^\/calling\/recordings\/([^/:]+)(?::(pause|resume))?$/;
const API_VERSION = /^\d{4}-\d{2}-\d{2}(-preview\d*)?$/;
const RECORDING_KIND = "azureCommunicationServices";

interface ArmedFault {
  spec: CallRecordingFault;
  remaining: number;
}

/**
 * The Call Automation recording REST surface as `@azure/communication-call-automation` 1.x calls it:
 *
 *   POST   /calling/recordings?api-version=...                      start   -> 200 RecordingStateResponse
 *   GET    /calling/recordings/{recordingId}?api-version=...        state   -> 200 RecordingStateResponse
 *   POST   /calling/recordings/{recordingId}:pause?api-version=...  pause   -> 202 (empty)
 *   POST   /calling/recordings/{recordingId}:resume?api-version=... resume  -> 202 (empty)
 *   DELETE /calling/recordings/{recordingId}?api-version=...        stop    -> 204 (empty)
 *
 * RecordingStateResponse is `{ recordingId, recordingState: "active"|"inactive", recordingKind }`; errors are
 * CommunicationErrorResponse `{ error: { code, message, target? } }`: 400 bad request or wrong state, 404 unknown
 * call or recording, 405 wrong method, and whatever faults are armed.
 */
export function createCallRecordingSimulator(options: CallRecordingSimulatorOptions = {}): CallRecordingSimulator {
  const sessions = new RecordingSessions(options.now, options.acceptAnyCall === true);
  for (const call of options.calls ?? []) sessions.addCall(call);
  const faults: ArmedFault[] = [];
  const requests: CallAutomationRequestRecord[] = [];
  const replays = new Map<string, object>();
  const pending: Promise<void>[] = [];
  const callbackErrors: unknown[] = [];

  const announce = (stopped: StoppedRecording | undefined): void => {
    if (!stopped || !options.onStopped) return;
    const onStopped = options.onStopped;
    pending.push(
      new Promise<void>((resolve) => setImmediate(resolve))
        .then(() => onStopped(stopped))
        .catch((error: unknown) => {
          callbackErrors.push(error);
        }),
    );
  };

  const takeFault = (operation: CallRecordingOperation): CallRecordingFault | undefined => {
    const armed = faults.find(
      (fault) =>
        fault.remaining > 0 && ((fault.spec.operation ?? "any") === "any" || fault.spec.operation === operation),
    );
    if (!armed) return undefined;
    armed.remaining -= 1;
    return armed.spec;
  };

  const handle = (
    operation: CallRecordingOperation,
    recordingId: string | undefined,
    req: IncomingMessage,
    body: Buffer,
  ): Reply => {
    const contentType = req.headers["content-type"] ?? "";
    switch (operation) {
      case "start": {
        if (!/json/i.test(contentType))
          return refusal(new ServiceRefusal(415, "UnsupportedMediaType", "The request body must be application/json."));
        const replayKey = single(req.headers["repeatability-request-id"]);
        const replay = replayKey ? replays.get(replayKey) : undefined;
        if (replay) return { status: 200, json: replay };
        const recording = sessions.start(parseStartRequest(body));
        const answer = stateResponse(recording);
        if (replayKey) replays.set(replayKey, answer);
        return { status: 200, json: answer };
      }
      case "getState":
        return { status: 200, json: stateResponse(sessions.require(recordingId ?? "")) };
      case "pause":
        sessions.pause(recordingId ?? "");
        return { status: 202 };
      case "resume":
        sessions.resume(recordingId ?? "");
        return { status: 202 };
      case "stop": {
        const stopped = sessions.stop(recordingId ?? "");
        return { status: 204, after: () => announce(stopped) };
      }
    }
  };

  const route: EndpointRoute = (req, res, body) => {
    const target = req.url ?? "/";
    const [pathname = "/", queryText = ""] = target.split("?", 2);
    const method = req.method ?? "GET";
    let operation: CallRecordingOperation;
    let recordingId: string | undefined;
    if (pathname === RECORDINGS_PATH) {
      if (method !== "POST")
        return send(
          res,
          refusal(new ServiceRefusal(405, "MethodNotAllowed", `${method} is not allowed on ${pathname}.`)),
          { Allow: "POST" },
        );
      operation = "start";
    } else {
      const match = RECORDING_PATH.exec(pathname);
      if (!match) return false;
      try {
        recordingId = decodeURIComponent(match[1] ?? "");
      } catch {
        return send(
          res,
          refusal(
            new ServiceRefusal(400, "InvalidRequest", "The recording id is not properly encoded.", "recordingId"),
          ),
        );
      }
      const action = match[2];
      const allowed = action ? "POST" : "GET, DELETE";
      if (!allowed.split(", ").includes(method)) {
        return send(
          res,
          refusal(new ServiceRefusal(405, "MethodNotAllowed", `${method} is not allowed on ${pathname}.`)),
          { Allow: allowed },
        );
      }
      operation =
        action === "pause" ? "pause" : action === "resume" ? "resume" : method === "GET" ? "getState" : "stop";
    }

    const apiVersion = new URLSearchParams(queryText).get("api-version") ?? undefined;
    const record: CallAutomationRequestRecord = {
      operation,
      method,
      url: target,
      apiVersion,
      repeatabilityRequestId: single(req.headers["repeatability-request-id"]),
      body: body.toString("utf8"),
      status: 0,
      faulted: false,
    };
    requests.push(record);
    let reply: Reply;
    if (!apiVersion) {
      reply = refusal(
        new ServiceRefusal(400, "MissingApiVersionParameter", "The api-version query parameter is required."),
      );
    } else if (!API_VERSION.test(apiVersion)) {
      reply = refusal(
        new ServiceRefusal(400, "UnsupportedApiVersion", `The api-version "${apiVersion}" is not supported.`),
      );
    } else {
      const fault = takeFault(operation);
      if (fault) {
        record.faulted = true;
        reply = faultReply(fault);
        if (fault.delayMs) return delayed(fault.delayMs, () => finish(res, record, reply));
      } else {
        try {
          reply = handle(operation, recordingId, req, body);
        } catch (error) {
          if (!(error instanceof ServiceRefusal)) throw error;
          reply = refusal(error);
        }
      }
    }
    return finish(res, record, reply);
  };

  return {
    route,
    addCall: (serverCallId) => sessions.addCall(serverCallId),
    endCall: (serverCallId) => announce(sessions.endCall(serverCallId)),
    recording: (recordingId) => sessions.get(recordingId),
    recordings: () => sessions.all(),
    failNext: (fault) => {
      faults.push({ spec: fault, remaining: fault.times ?? 1 });
    },
    clearFaults: () => {
      faults.length = 0;
    },
    requests,
    drain: async () => {
      let seen = 0;
      while (seen < pending.length) {
        const batch = pending.slice(seen);
        seen = pending.length;
        await Promise.all(batch);
      }
      if (callbackErrors.length > 0) throw callbackErrors[0];
    },
  };
}

function finish(res: ServerResponse, record: CallAutomationRequestRecord, reply: Reply): true {
  record.status = reply.status;
  if (!res.destroyed) send(res, reply);
  reply.after?.();
  return true;
}

function delayed(ms: number, then: () => true): Promise<true> {
  return new Promise((resolve) => setTimeout(() => resolve(then()), ms));
}

interface Reply {
  status: number;
  json?: object;
  text?: { body: string; contentType: string };
  headers?: Record<string, string>;
  after?: () => void;
}

function stateResponse(recording: SimRecording): object {
  return {
    recordingId: recording.recordingId,
    recordingState: recording.phase === "active" ? "active" : "inactive",
    recordingKind: RECORDING_KIND,
  };
}

function refusal(error: ServiceRefusal): Reply {
  return {
    status: error.status,
    json: { error: { code: error.code, message: error.message, ...(error.target ? { target: error.target } : {}) } },
  };
}

function faultReply(fault: CallRecordingFault): Reply {
  const headers: Record<string, string> =
    fault.retryAfterSeconds !== undefined ? { "Retry-After": String(fault.retryAfterSeconds) } : {};
  if (typeof fault.body === "string") {
    return {
      status: fault.status,
      text: { body: fault.body, contentType: fault.contentType ?? "text/html; charset=utf-8" },
      headers,
    };
  }
  const json = fault.body ?? {
    error: { code: fault.status >= 500 ? "InternalServerError" : `Http${fault.status}`, message: "Simulated failure." },
  };
  return { status: fault.status, json, headers };
}

function send(res: ServerResponse, reply: Reply, extraHeaders: Record<string, string> = {}): true {
  const headers: Record<string, string> = { ...reply.headers, ...extraHeaders };
  let payload: Buffer | undefined;
  if (reply.json !== undefined) {
    payload = Buffer.from(JSON.stringify(reply.json), "utf8");
    headers["Content-Type"] = "application/json; charset=utf-8";
  } else if (reply.text) {
    payload = Buffer.from(reply.text.body, "utf8");
    headers["Content-Type"] = reply.text.contentType;
  }
  res.writeHead(reply.status, { ...headers, "Content-Length": String(payload?.length ?? 0) });
  res.end(payload);
  return true;
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
