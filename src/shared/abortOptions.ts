/**
 * The options bag every cancellable operation of ours ends with, as in the Azure SDK (`OperationOptions.abortSignal`):
 * `method(required…, options: AbortOptions & { … } = {})`. A signal that fires stops the operation with its reason.
 */
export interface AbortOptions {
  readonly abortSignal?: AbortSignal;
}
