/**
 * The options bag every cancellable operation of ours ends with, as in the Azure SDK (`OperationOptions.abortSignal`):
 * `method(required…, options: AbortOptions & { … } = {})`. A signal that fires stops the operation with its reason.
 */
export interface AbortOptions {
  readonly abortSignal?: AbortSignal;
}

/** An abort or a timeout of a signal, as fetch, the Azure SDKs and AbortSignal.timeout report it. */
export function isAbortOrTimeout(error: unknown): boolean {
  return error instanceof Error && (error.name === "AbortError" || error.name === "TimeoutError");
}
