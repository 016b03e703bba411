/** What the dispatcher counted. */
export interface DispatchStats {
  received: number;
  invocations: number;
  succeeded: number;
  /** Invocations that threw, or whose worker died: the message was made visible again. */
  released: number;
  poisoned: number;
  /** Which chunks (or messages) went to poison, with their last delivery. */
  poisonedMessages: string[];
  /** Moved to poison on receipt because a lost lock had let the dequeue count pass the maximum. */
  poisonedUnprocessed: number;
  undecodable: number;
  lockRenewals: number;
  /** A delete/update refused because the pop receipt was stale (the lock had been lost). */
  lockLost: number;
  maxDequeueCount: number;
  /** Why invocations failed, by error (long numbers and URLs blanked). */
  failureReasons: Record<string, number>;
  /** Invocations that ran past `hangMs` (the run fails). */
  hung: string[];
  /** Invocation durations (ms), killed ones included. */
  invocationMs: { p50: number; p95: number; max: number };
  /** Queue operations of the harness itself that failed (the run fails). */
  harnessErrors: string[];
  timedOut: boolean;
  /** Messages left invisible with nothing running when the dispatcher gave up waiting (re-queued with a delay). */
  strandedMessages: number;
}

export function emptyDispatchStats(): DispatchStats {
  return {
    received: 0,
    invocations: 0,
    succeeded: 0,
    released: 0,
    poisoned: 0,
    poisonedMessages: [],
    poisonedUnprocessed: 0,
    undecodable: 0,
    lockRenewals: 0,
    lockLost: 0,
    maxDequeueCount: 0,
    failureReasons: {},
    hung: [],
    invocationMs: { p50: 0, p95: 0, max: 0 },
    harnessErrors: [],
    timedOut: false,
    strandedMessages: 0,
  };
}

export function countFailure(stats: DispatchStats, error: string | undefined): void {
  const reason = (error ?? "unknown")
    .replace(/\d{5,}/g, "N")
    .replace(/https?:\/\/\S+/g, "<url>")
    .slice(0, 140);
  stats.failureReasons[reason] = (stats.failureReasons[reason] ?? 0) + 1;
}

export function percentiles(durations: readonly number[]): DispatchStats["invocationMs"] {
  const sorted = [...durations].sort((a, b) => a - b);
  const at = (share: number): number => sorted[Math.min(sorted.length - 1, Math.floor(share * sorted.length))] ?? 0;
  return { p50: at(0.5), p95: at(0.95), max: sorted[sorted.length - 1] ?? 0 };
}
