import type { HttpResponseInit } from "@azure/functions";
import { ArchiverError } from "../errors";

/**
 * The one error body of every HTTP function: `{ code, message, target?, details? }`, the shape of the 2021 preview API's
 * documentation (and the ACS services' own, inside their `error`). `code` is an error's stable code, `message` a
 * sentence for a person; never a stack trace, a secret or a setting's value.
 */
export interface ErrorBody {
  readonly code: string;
  readonly message: string;
  readonly target?: string;
  readonly details?: readonly ErrorBody[];
}

/**
 * The HTTP status of every error code an HTTP function answers with: the one place a code becomes a status. Event Grid
 * retries none of 400, 408 (the body never arrived whole), 413 and 415: it dead-letters them; it retries 503.
 */
const ERROR_STATUS = {
  // The request itself (every API).
  InvalidRequest: 400,
  Unauthenticated: 401,
  Forbidden: 403,
  MethodNotAllowed: 405,
  BodyTimeout: 408,
  BodyTooLarge: 413,
  UnsupportedMediaType: 415,
  // Event deliveries (webhook).
  MissingOrigin: 400,
  InvalidJson: 400,
  InvalidBody: 400,
  TooManyEvents: 413,
  TooManyRecordings: 413,
  TooManyChunks: 413,
  // Archive status.
  InvalidCallId: 400,
  CallNotFound: 404,
  // Participants (data-subject requests).
  InvalidParticipantId: 400,
  InvalidContinuationToken: 400,
  ParticipantIndexKeyMismatch: 409,
  ParticipantIndexKeyUnrecorded: 409,
  ParticipantLookupMoved: 410,
  ParticipantIndexDisabled: 503,
  // Recording control: the recording service refused (400), knows no such call or recording (404), or failed (502).
  RequestRejected: 400,
  NotFound: 404,
  UpstreamFailure: 502,
  // The app.
  InternalError: 500,
  ConfigurationError: 503,
  StorageUnavailable: 503,
} as const satisfies Record<string, number>;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** Seconds a sender should wait before retrying a request refused with these codes (a bad setting; Storage down). */
const RETRY_AFTER_SECONDS: Partial<Record<ErrorCode, number>> = { ConfigurationError: 60, StorageUnavailable: 10 };

/**
 * Where the body sits in the response. One body shape for every HTTP function; each API keeps the envelope its
 * clients already rely on: the recording control API answers the body bare, as the 2021 preview API's control API
 * did; the others answer `{ "error": body }`, the Azure REST convention, which is what Event Grid shows in a
 * dead-letter or delivery-failure record.
 */
type ErrorEnvelope = "bare" | "error";

/** The HTTP APIs of the app, each with its envelope and its answer to a failure nobody foresaw. */
const HTTP_APIS = {
  /** The Event Grid webhook (`POST /api/recording-events`). */
  recordingEvents: {
    envelope: "error",
    unexpected: { code: "InternalError", message: "The delivery could not be processed; retry later." },
    storageUnavailable: "Storage is unavailable; retry later.",
  },
  /** `GET /api/archive/calls/{callId}`: anything unforeseen is the archive that could not be read. */
  archiveStatus: {
    envelope: "error",
    unexpected: { code: "StorageUnavailable", message: "The archive could not be read; retry later." },
  },
  /** `POST /api/archive/participants/search` (and its retired GET). */
  participants: {
    envelope: "error",
    unexpected: {
      code: "StorageUnavailable",
      message: "The archive or the participant index could not be read; try again.",
    },
  },
  /** The recording control API (`/api/recordings…`). */
  recordingControl: {
    envelope: "bare",
    unexpected: { code: "InternalError", message: "The request could not be processed; see the function's log." },
  },
} as const satisfies Record<
  string,
  { envelope: ErrorEnvelope; unexpected: ErrorBody & { code: ErrorCode }; storageUnavailable?: string }
>;

export type HttpApi = keyof typeof HTTP_APIS;

/**
 * The answer of `api` to a thrown error: an error of ours whose code the API answers with keeps its code, message,
 * `target` and `details`; a StorageUnavailable error gets the API's own words; anything else is the API's answer to
 * the unforeseen (never its message: it could say more than a caller should read).
 */
export function toErrorResponse(
  error: unknown,
  api: HttpApi,
  headers?: Readonly<Record<string, string>>,
): HttpResponseInit {
  const known: { storageUnavailable?: string; unexpected: ErrorBody & { code: ErrorCode } } = HTTP_APIS[api];
  if (!(error instanceof ArchiverError) || !isErrorCode(error.code)) return errorAnswer(api, known.unexpected, headers);
  if (error.code === "StorageUnavailable")
    return errorAnswer(
      api,
      known.storageUnavailable === undefined
        ? known.unexpected
        : { code: error.code, message: known.storageUnavailable },
      headers,
    );
  const target = "target" in error && typeof error.target === "string" ? { target: error.target } : {};
  const details =
    "details" in error && Array.isArray(error.details) ? { details: error.details as readonly ErrorBody[] } : {};
  return errorAnswer(api, { code: error.code, message: error.message, ...target, ...details }, headers);
}

/** The answer of `api` with a body the function wrote itself; the status comes from ERROR_STATUS. */
export function errorAnswer(
  api: HttpApi,
  body: ErrorBody & { code: ErrorCode },
  headers?: Readonly<Record<string, string>>,
): HttpResponseInit {
  const retryAfter = RETRY_AFTER_SECONDS[body.code];
  const allHeaders = { ...(retryAfter === undefined ? {} : { "Retry-After": String(retryAfter) }), ...headers };
  return {
    status: ERROR_STATUS[body.code],
    jsonBody: HTTP_APIS[api].envelope === "bare" ? body : { error: body },
    ...(Object.keys(allHeaders).length > 0 ? { headers: allHeaders } : {}),
  };
}

function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERROR_STATUS, code);
}
