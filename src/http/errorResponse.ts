import type { HttpResponseInit } from "@azure/functions";
import type { AppNotConfiguredError } from "../errors";

/**
 * The one error body of every HTTP function: `{ code, message, target?, details? }`, the founding documents' shape
 * (and the ACS services' own, inside their `error`). `code` is an error's stable code, `message` a sentence for a
 * person; never a stack trace, a secret or a setting's value.
 */
export interface ErrorBody {
  readonly code: string;
  readonly message: string;
  readonly target?: string;
  readonly details?: readonly ErrorBody[];
}

/**
 * Where the body sits in the response. One body shape for every HTTP function; the two APIs keep the envelope their
 * clients already rely on (README, tests): the recording control API answers the body bare, as the founding documents'
 * control API did; the Event Grid webhook answers `{ "error": body }`, the Azure REST convention, which is what Event
 * Grid shows in a dead-letter or delivery-failure record.
 */
export type ErrorEnvelope = "bare" | "error";

/** Seconds a sender should wait before retrying a request refused with 503 for a bad setting. */
const NOT_CONFIGURED_RETRY_AFTER_SECONDS = 60;

export function errorResponse(status: number, body: ErrorBody, envelope: ErrorEnvelope, headers?: Readonly<Record<string, string>>): HttpResponseInit {
  return { status, jsonBody: envelope === "bare" ? body : { error: body }, ...(headers ? { headers: { ...headers } } : {}) };
}

/** 503 `ConfigurationError` naming the bad setting, with Retry-After: the sender retries, nothing is lost. */
export function notConfiguredResponse(error: AppNotConfiguredError, envelope: ErrorEnvelope): HttpResponseInit {
  return errorResponse(503, { code: error.code, message: error.message }, envelope, { "Retry-After": String(NOT_CONFIGURED_RETRY_AFTER_SECONDS) });
}
