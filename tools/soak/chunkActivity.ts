import type { InvocationOutcome } from "./workerPool";

/** What happened to one chunk identity across all its messages and deliveries. */
export interface ChunkActivity {
  invocations: number;
  succeeded: number;
  /** Invocations that failed (the function threw: transient failure handed back to the queue). */
  failed: number;
  /** Invocations lost to a SIGKILL of their worker. */
  killed: number;
  /** Two invocations of the same chunk ran at the same time (duplicate messages racing). */
  overlapped: boolean;
  maxDequeueCount: number;
  running: number;
}

/** Per chunk identity accounting, for the resume bound and the duplicate-delivery figures. */
export class ActivityLog {
  private readonly chunks = new Map<string, ChunkActivity>();

  get(chunkKey: string): ChunkActivity | undefined {
    return this.chunks.get(chunkKey);
  }

  started(chunkKey: string, dequeueCount: number): void {
    const activity = this.chunks.get(chunkKey) ?? {
      invocations: 0,
      succeeded: 0,
      failed: 0,
      killed: 0,
      overlapped: false,
      maxDequeueCount: 0,
      running: 0,
    };
    activity.invocations += 1;
    activity.running += 1;
    if (activity.running > 1) activity.overlapped = true;
    activity.maxDequeueCount = Math.max(activity.maxDequeueCount, dequeueCount);
    this.chunks.set(chunkKey, activity);
  }

  ended(chunkKey: string, outcome: InvocationOutcome): void {
    const activity = this.chunks.get(chunkKey);
    if (!activity) return;
    activity.running -= 1;
    if (outcome.ok) activity.succeeded += 1;
    else if (outcome.killed) activity.killed += 1;
    else activity.failed += 1;
  }
}
