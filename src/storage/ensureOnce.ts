import { untilAborted } from "../shared/untilAborted";
import type { AbortOptions } from "../shared/cancellation";
import { storageSignal } from "./storageDeadline";

/**
 * Runs `action` once (e.g. creating a container); concurrent callers share the run, and a failed run is
 * retried by the next caller. The run gets its own Storage deadline (`storageSignal()`), and each caller
 * waits at most as long as its own `abortSignal` allows.
 */
export function ensureOnce(action: (signal: AbortSignal) => Promise<void>): (options?: AbortOptions) => Promise<void> {
  let pending: Promise<void> | undefined;
  return ({ abortSignal } = {}) => {
    pending ??= action(storageSignal()).catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return untilAborted(pending, abortSignal);
  };
}
