import type { Prng } from "./prng";
import { MIB } from "./soakOptions";
import type { Invocation, WorkerPool } from "./workerPool";

export interface KillStats {
  /** Invocations picked for a kill. */
  planned: number;
  /** Kills that hit a worker while the picked invocation was still running. */
  fired: number;
  /** Picked invocations that finished before their kill moment. */
  missed: number;
  /** Kills not done because the worker also ran a delivery past killMaxDequeue. */
  spared: number;
}

/** Rough time an invocation of this size takes here; kill moments are drawn inside it. */
function expectedMs(size: number): number {
  return 120 + (size / (30 * MIB)) * 1000;
}

/**
 * Decides, per invocation, whether its worker process is SIGKILLed and when. The decision and the moment
 * (as a fraction of the expected duration) come from the seed, keyed by chunk, dequeue count and attempt.
 * Deliveries past `killMaxDequeue` are never killed (nor their worker, which would take them down too), so a
 * message always keeps kill-free deliveries before it could go to poison.
 */
export class KillPlanner {
  readonly stats: KillStats = { planned: 0, fired: 0, missed: 0, spared: 0 };

  constructor(
    private readonly rng: Prng,
    private readonly killRate: number,
    private readonly killMaxDequeue: number,
    private readonly sizeOf: (documentId: string) => number | undefined,
  ) {}

  consider(
    pool: WorkerPool,
    invocation: Invocation,
    key: { chunkKey: string; documentId: string } | undefined,
    dequeueCount: number,
    attempt: number,
  ): void {
    if (!key || dequeueCount > this.killMaxDequeue || this.killRate <= 0) return;
    const rng = this.rng.derive("kill", key.chunkKey, dequeueCount, attempt);
    if (!rng.chance(this.killRate)) return;
    this.stats.planned += 1;
    const delay = Math.max(20, rng.real(0.05, 1) * expectedMs(this.sizeOf(key.documentId) ?? 0));
    let settled = false;
    const timer = setTimeout(() => {
      settled = true;
      if (!pool.isRunning(invocation.workerId, invocation.id)) {
        this.stats.missed += 1;
      } else if (!pool.onlyEarlyDeliveries(invocation.workerId, this.killMaxDequeue)) {
        this.stats.spared += 1;
      } else {
        this.stats.fired += 1;
        pool.kill(invocation.workerId);
      }
    }, delay);
    void invocation.outcome.then(() => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      this.stats.missed += 1;
    });
  }
}
