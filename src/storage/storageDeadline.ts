import { StorageUnavailableError, describeError } from "../errors";
import { isAbortOrTimeout } from "../shared/cancellation";

/**
 * Client-side deadlines for Storage calls. `retryOptions.tryTimeoutInMs` only becomes the service's
 * `timeout=` parameter (storage-common v2): a server that accepts the connection and never answers
 * holds the call forever unless the call carries an abort signal. Every Storage call passes
 * `abortSignal: storageSignal(...)`, combined with the caller's own signal when it has one.
 *
 * The signal covers the whole call, including the storage client's own retries (STORAGE_RETRY: 3
 * tries, 0.2–2 s apart): a refused or failing call is retried inside these 8 s, a hung one is aborted
 * at 8 s (an abort is not retried).
 */
const STORAGE_CALL_TIMEOUT_MS = 8_000;

/**
 * What intake may spend on one delivery (reading the webhook body, creating the queue and container,
 * sending messages, writing quarantine records), counted from its arrival. Event Grid waits 30 s for
 * an answer; at 20 s intake gives up and answers 503 (webhook) or throws (Event Grid trigger), leaving
 * 10 s for the host. Two sequential Storage calls (create, then write) fit: 2 × 8 s < 20 s.
 */
const INTAKE_DEADLINE_MS = 20_000;

export function storageSignal(parent?: AbortSignal, timeoutMs: number = STORAGE_CALL_TIMEOUT_MS): AbortSignal {
  const deadline = AbortSignal.timeout(timeoutMs);
  return parent ? AbortSignal.any([parent, deadline]) : deadline;
}

/** The deadline of one intake delivery (see INTAKE_DEADLINE_MS). */
export function intakeDeadline(timeoutMs: number = INTAKE_DEADLINE_MS): AbortSignal {
  return AbortSignal.timeout(timeoutMs);
}

/** A StorageUnavailableError for `what`, saying plainly when Storage did not answer in time. */
export function storageFailure(what: string, error: unknown): StorageUnavailableError {
  if (error instanceof StorageUnavailableError) return error;
  const why = isAbortOrTimeout(error) ? "Storage did not answer in time (client-side deadline)" : describeError(error);
  return new StorageUnavailableError(`${what}: ${why}`, { cause: error });
}
