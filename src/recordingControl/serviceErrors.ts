import { isRestError } from "@azure/core-rest-pipeline";
import { isRecord } from "../shared/untrustedJson";
import {
  RecordingNotFoundError,
  RecordingRequestRejectedError,
  RecordingServiceError,
  type RecordingOperation,
  type ServiceAnswer,
  type ServiceErrorDetail,
} from "./errors";
import { isAbortOrTimeout } from "../shared/cancellation";

const MAX_SERVICE_TEXT = 500;

/**
 * Maps what the Call Automation client threw to a domain error: 404 -> RecordingNotFoundError, 400 ->
 * RecordingRequestRejectedError, any other status, no answer or a timeout -> RecordingServiceError.
 * Anything else (a bug, not a service failure) is returned unchanged for the caller to rethrow.
 *
 * The client throws core-rest-pipeline `RestError`s: `statusCode`, `code` and `message` come from the service's
 * `{ error: { code, message } }` body when it parsed, but `message` is the raw body text when it did not, so the
 * message is only taken from a parsed body. `request` holds the signed headers: it is never copied anywhere.
 */
export function fromServiceFailure(
  error: unknown,
  operation: RecordingOperation,
  target: string,
  timeoutMs: number,
  /** The settings of the keys that were tried, for the message on 401/403 (names only). */
  keySettings = "ACS_CONNECTION_STRING",
): unknown {
  if (isAbortOrTimeout(error)) {
    return new RecordingServiceError(
      { operation },
      `it did not answer within ${timeoutMs < 1000 ? `${timeoutMs} ms` : `${Math.round(timeoutMs / 1000)} s`}.`,
      {
        cause: error,
      },
    );
  }
  if (!isRestError(error)) return error;
  const status = error.statusCode;
  if (status === undefined) {
    const reason = typeof error.code === "string" && /^[A-Z_]+$/.test(error.code) ? ` (${error.code})` : "";
    return new RecordingServiceError({ operation }, `it could not be reached${reason}.`, { cause: error });
  }
  const serviceError = readServiceError(parsedBodyOf(error.response));
  const answer: ServiceAnswer = { operation, status, ...(serviceError ? { serviceError } : {}) };
  if (status === 404) return new RecordingNotFoundError(answer, target, { cause: error });
  if (status === 400) return new RecordingRequestRejectedError(answer, { cause: error });
  if (status === 401 || status === 403) {
    return new RecordingServiceError(
      answer,
      `it refused this app's credentials (HTTP ${status}); check ${keySettings}.`,
      { cause: error },
    );
  }
  return new RecordingServiceError(
    answer,
    `it answered HTTP ${status}${serviceError ? ` (${serviceError.code})` : ""}.`,
    { cause: error },
  );
}

/** Reads `{ error: { code, message, target? } }` (CommunicationErrorResponse); nested details are not kept. */
function readServiceError(body: unknown): ServiceErrorDetail | undefined {
  const error = isRecord(body) ? body["error"] : undefined;
  if (!isRecord(error)) return undefined;
  const code = error["code"];
  const message = error["message"];
  if (typeof code !== "string" || typeof message !== "string") return undefined;
  const target = error["target"];
  return {
    code: clip(code, 100),
    message: clip(message, MAX_SERVICE_TEXT),
    ...(typeof target === "string" && target.length > 0 ? { target: clip(target, 100) } : {}),
  };
}

function parsedBodyOf(response: unknown): unknown {
  return isRecord(response) ? response["parsedBody"] : undefined;
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
