import type { HttpHandler, HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import type { Lazy } from "../app/serviceProvider";
import { AppNotConfiguredError, describeError } from "../errors";
import { toErrorResponse } from "../http/errorResponse";
import { readRequestText, type RequestWithBody } from "../http/requestBody";
import type { Log } from "../shared/log";
import {
  InvalidRecordingRequestError,
  RecordingNotFoundError,
  RecordingRequestRejectedError,
  RecordingServiceError,
  type ServiceErrorDetail,
} from "./errors";
import type { ControlOutcome, RecordingControl } from "./recordingControl";
import type { RecordingControls } from "./recordingControls";
import { ACS_RESOURCE_PARAMETER, parseControlRequest, parseRecordingId } from "./requestValidation";
import { escapingLog } from "../shared/logSafe";

const MAX_BODY_BYTES = 64 * 1024;
/** The body must have arrived within this (the host has usually buffered it already). */
const BODY_DEADLINE_MS = 10_000;

/**
 * Reads a JSON request body within MAX_BODY_BYTES and BODY_DEADLINE_MS (src/http/requestBody.ts). An empty body is
 * `undefined` when `optional`, an error naming `body` otherwise. The Content-Type is not enforced (curl's `-d` sends
 * form encoding); the text must be JSON.
 */
export async function readJsonBody(request: RequestWithBody, optional: boolean): Promise<unknown> {
  const read = await readRequestText(request, MAX_BODY_BYTES, { abortSignal: AbortSignal.timeout(BODY_DEADLINE_MS) });
  if ("problem" in read) {
    if (read.problem === "tooLarge")
      throw new InvalidRecordingRequestError("body", `must be at most ${MAX_BODY_BYTES} bytes.`);
    throw new InvalidRecordingRequestError("body", "could not be read to its end in time.");
  }
  const text = read.text;
  if (text.trim().length === 0) {
    if (optional) return undefined;
    throw new InvalidRecordingRequestError("body", "is required: a JSON object.");
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new InvalidRecordingRequestError("body", "is not valid JSON.");
  }
}

/** The control of the ACS resource the request names (`?acsResource=`, needed when the app serves several). */
export function controlFor(controls: Lazy<RecordingControls>, request: HttpRequest, log: Log): RecordingControl {
  return controls().for(request.query.get(ACS_RESOURCE_PARAMETER), log);
}

/**
 * The handler of pause, resume and stop: `{recordingId}` from the route, an optional `{ operationContext }`
 * body, then 202 `{}` when the service accepted the action for asynchronous completion, 200 `{}` otherwise.
 */
export function recordingActionHandler(
  control: Lazy<RecordingControls>,
  action: (control: RecordingControl, recordingId: string) => Promise<ControlOutcome>,
  verbs: { readonly noun: string; readonly past: string },
): HttpHandler {
  return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    const log = escapingLog(context);
    try {
      const recording = controlFor(control, request, log);
      const recordingId = parseRecordingId(request.params["recordingId"]);
      const { operationContext } = parseControlRequest(await readJsonBody(request, true));
      const outcome = await action(recording, recordingId);
      const note = operationContext !== undefined ? ` [operationContext ${JSON.stringify(operationContext)}]` : "";
      log.info(
        `${outcome.accepted ? `The service accepted the ${verbs.noun} of` : verbs.past} recording ${recordingId}${note}.`,
      );
      return { status: outcome.accepted ? 202 : 200, jsonBody: {} };
    } catch (error) {
      return controlErrorResponse(error, log);
    }
  };
}

/**
 * Logs a failed control request and answers it (src/http/errorResponse.ts, the bare envelope): bad input 400, service
 * refusal 400, unknown call or recording 404, service failure 502, a bad setting 503 `ConfigurationError`, anything
 * else 500. Bodies and logs carry messages only: never a stack trace, never the request the client signed.
 */
export function controlErrorResponse(error: unknown, log: Log): HttpResponseInit {
  if (error instanceof AppNotConfiguredError || error instanceof InvalidRecordingRequestError)
    log.warn(`Refused a recording control request: ${error.message}`);
  else if (error instanceof RecordingRequestRejectedError || error instanceof RecordingNotFoundError)
    log.warn(`${error.message}${serviceSaid(error.answer.serviceError)}`);
  else if (error instanceof RecordingServiceError)
    log.error(`${error.message}${serviceSaid(error.answer.serviceError)}`);
  else log.error(`Unexpected failure in recording control: ${describeError(error)}`);
  return toErrorResponse(error, "recordingControl");
}

function serviceSaid(detail: ServiceErrorDetail | undefined): string {
  return detail ? ` (service said ${detail.code}: ${detail.message})` : "";
}
