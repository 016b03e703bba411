/**
 * Client-side deadline for one Storage call. `retryOptions.tryTimeoutInMs` only becomes the service's
 * `timeout=` parameter (storage-common v2): a server that accepts the connection and never answers
 * holds the call forever unless the call carries an abort signal. Every Storage call passes
 * `abortSignal: storageSignal(...)`, combined with the caller's own signal when it has one.
 */
export const STORAGE_CALL_TIMEOUT_MS = 8_000;

export function storageSignal(parent?: AbortSignal, timeoutMs: number = STORAGE_CALL_TIMEOUT_MS): AbortSignal {
  const deadline = AbortSignal.timeout(timeoutMs);
  return parent ? AbortSignal.any([parent, deadline]) : deadline;
}
