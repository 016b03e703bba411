import { isRestError } from "@azure/core-rest-pipeline";
import { AcsHttpError, SourceChangedError, TransferInterruptedError, UnverifiableSourceError } from "../errors";
import type { AbortOptions } from "../shared/cancellation";

export interface RetryPolicy {
  /** Attempts per operation inside one invocation (then the queue redelivers). */
  readonly attempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** A Retry-After longer than this is not waited out in-process: the queue redelivers instead. */
  readonly maxRetryAfterMs: number;
  /** Told of every retry inside an invocation (the command line's progress counts them); decides nothing. */
  readonly onRetry?: () => void;
}

export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 6,
  baseDelayMs: 500,
  maxDelayMs: 15_000,
  maxRetryAfterMs: 60_000,
};

const TRANSIENT_STATUS = new Set([408, 429, 500, 502, 503, 504]);

/**
 * Whether an error may go away by itself. A 404 counts as transient until `notFoundIsExpiry` (near or
 * past the chunk's deadline, ACS deleted it: see retention.ts). A 416 never reaches here as an
 * AcsHttpError for a range inside a known size (the transfers turn it into TransferInterruptedError).
 */
export function isTransient(error: unknown, notFoundIsExpiry: boolean): boolean {
  if (
    error instanceof TransferInterruptedError ||
    error instanceof SourceChangedError ||
    error instanceof UnverifiableSourceError
  )
    return true;
  if (error instanceof AcsHttpError)
    return TRANSIENT_STATUS.has(error.statusCode) || (error.statusCode === 404 && !notFoundIsExpiry);
  if (isRestError(error)) {
    if (error.statusCode === undefined) return true;
    return TRANSIENT_STATUS.has(error.statusCode);
  }
  return false;
}

/**
 * Runs `operation` until it succeeds, a permanent error occurs, or the attempts are used up. A
 * changed source is not retried in place (the transfer has to start over with a new plan), nor an
 * unverifiable one (asking again at once does not give a server a length; the queue's redelivery does).
 */
export async function withRetries<T>(
  operation: (attempt: number) => Promise<T>,
  options: {
    policy: RetryPolicy;
    deadlinePassed: () => boolean;
    onRetry?: (error: unknown, delayMs: number, attempt: number) => void;
    abortSignal?: AbortSignal;
    /** Bytes done so far: an attempt that moved it forward does not use up the budget. */
    progress?: () => number;
  },
): Promise<T> {
  let progressMark = options.progress?.() ?? 0;
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (error) {
      const progress = options.progress?.() ?? 0;
      if (progress > progressMark) {
        progressMark = progress;
        attempt = 1;
      }
      if (
        attempt >= options.policy.attempts ||
        error instanceof SourceChangedError ||
        error instanceof UnverifiableSourceError ||
        !isTransient(error, options.deadlinePassed()) ||
        options.abortSignal?.aborted
      )
        throw error;
      const delay = retryDelay(error, attempt, options.policy);
      if (delay === undefined) throw error;
      options.onRetry?.(error, delay, attempt);
      options.policy.onRetry?.();
      await sleep(delay, { abortSignal: options.abortSignal });
    }
  }
}

function retryDelay(error: unknown, attempt: number, policy: RetryPolicy): number | undefined {
  const hinted = error instanceof AcsHttpError ? error.retryAfterMs : undefined;
  if (hinted !== undefined) return hinted > policy.maxRetryAfterMs ? undefined : hinted;
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return exponential / 2 + Math.random() * (exponential / 2);
}

export function sleep(ms: number, { abortSignal: signal }: AbortOptions = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as unknown);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason as unknown);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
