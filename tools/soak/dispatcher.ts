import type { DequeuedMessageItem, QueueClient } from "@azure/storage-queue";
import type { ActivityLog } from "./chunkActivity";
import { countFailure, emptyDispatchStats, percentiles, type DispatchStats } from "./dispatchStats";
import { chunkIdentity, decodeLikeQueueTrigger } from "./hostDecoding";
import type { KillPlanner } from "./killPlanner";
import { MessageLease } from "./messageLease";
import type { InvocationOutcome, WorkerPool } from "./workerPool";

export interface DispatchOptions {
  readonly lockSeconds: number;
  readonly retryDelaySeconds: number;
  readonly maxDequeueCount: number;
  /** Absolute time (ms) after which the dispatcher stops taking messages. */
  readonly deadline: number;
  /** True once every event has been delivered to intake. */
  readonly feedDone: () => boolean;
  /**
   * An invocation running longer than this is hung: it is reported and its worker is killed, as the host does
   * at functionTimeout (scaled down to keep the soak bounded; the archiver's own budget is 8 minutes).
   */
  readonly hangMs: number;
  /** A line about a chunk for the hang report (size, faults). */
  readonly describeChunk: (chunkKey: string) => string;
  readonly progress?: (stats: DispatchStats) => void;
}

const MAX_POLL_MS = 500;
/** With nothing running and nothing visible for this long (past the lock and the retry delay), the rest is delayed. */
const STRANDED_AFTER_MS = 45_000;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

/**
 * The Functions queue trigger, played on Azurite: receives messages with a visibility lock (renewed while the
 * function runs), runs the function in a worker process, deletes the message on success, makes it visible again
 * after `retryDelaySeconds` on failure, and after `maxDequeueCount` failed deliveries moves it to `<queue>-poison`.
 * Stops once the feed is done and the queue (visible and invisible messages) is empty, or at the deadline.
 */
export class Dispatcher {
  readonly stats: DispatchStats = emptyDispatchStats();
  private readonly durations: number[] = [];
  private readonly active = new Set<Promise<void>>();
  private readonly attempts = new Map<string, number>();
  private wake: (() => void) | undefined;

  constructor(
    private readonly queue: QueueClient,
    private readonly poison: QueueClient,
    private readonly pool: WorkerPool,
    private readonly killer: KillPlanner,
    private readonly activity: ActivityLog,
    private readonly options: DispatchOptions,
  ) {}

  async run(): Promise<DispatchStats> {
    await this.poison.createIfNotExists();
    let idlePoll = 50;
    let lastProgress = Date.now();
    let lastActivity = Date.now();
    for (;;) {
      if (Date.now() > this.options.deadline) {
        this.stats.timedOut = true;
        break;
      }
      if (this.options.progress && Date.now() - lastProgress > 5_000) {
        lastProgress = Date.now();
        this.options.progress(this.stats);
      }
      const free = this.pool.freeSlots();
      if (free === 0) {
        await this.slotFreed(200);
        continue;
      }
      const batch = await this.queue.receiveMessages({
        numberOfMessages: Math.min(32, free),
        visibilityTimeout: this.options.lockSeconds,
      });
      if (batch.receivedMessageItems.length > 0 || this.active.size > 0) lastActivity = Date.now();
      if (batch.receivedMessageItems.length > 0) {
        idlePoll = 50;
        for (const item of batch.receivedMessageItems) this.track(this.handle(item));
        continue;
      }
      if (this.options.feedDone() && this.active.size === 0) {
        const left = (await this.queue.getProperties()).approximateMessagesCount ?? 0;
        if (left === 0) break;
        // Only messages hidden for longer than any lock or retry delay are left: re-queued by the app with a delay.
        if (Date.now() - lastActivity > STRANDED_AFTER_MS) {
          this.stats.strandedMessages = left;
          break;
        }
      }
      await this.slotFreed(idlePoll);
      idlePoll = Math.min(MAX_POLL_MS, idlePoll * 2);
    }
    // Out of time: stop the workers, so the invocations still running end (and their messages are released).
    if (this.stats.timedOut) await this.pool.close();
    await Promise.all(this.active);
    this.stats.invocationMs = percentiles(this.durations);
    return this.stats;
  }

  private track(handling: Promise<void>): void {
    const work = handling.catch((error: unknown) => {
      this.stats.harnessErrors.push(error instanceof Error ? error.message : String(error));
    });
    this.active.add(work);
    void work.finally(() => {
      this.active.delete(work);
      this.wake?.();
    });
  }

  private slotFreed(ms: number): Promise<void> {
    return Promise.race([new Promise<void>((resolve) => (this.wake = resolve)), sleep(ms)]);
  }

  private async handle(item: DequeuedMessageItem): Promise<void> {
    this.stats.received += 1;
    this.stats.maxDequeueCount = Math.max(this.stats.maxDequeueCount, item.dequeueCount);
    let input: unknown;
    let decoded = true;
    try {
      input = decodeLikeQueueTrigger(item.messageText);
    } catch {
      decoded = false;
    }
    const identity = chunkIdentity(input);
    const label = identity
      ? `${identity.documentId}#${identity.chunkKey.split("|").pop() ?? "?"}`
      : `message ${item.messageId}`;
    const lease = new MessageLease(item, this.queue, this.poison, this.stats, label);
    if (item.dequeueCount > this.options.maxDequeueCount) {
      this.stats.poisonedUnprocessed += 1;
      return lease.toPoison();
    }
    if (!decoded) {
      this.stats.undecodable += 1;
      return lease.fail(this.options.maxDequeueCount, this.options.retryDelaySeconds);
    }
    lease.keepLocked(this.options.lockSeconds);
    let outcome: InvocationOutcome | undefined;
    try {
      outcome = await this.invoke(input, item);
    } finally {
      if (outcome?.ok) await lease.complete();
      else await lease.fail(this.options.maxDequeueCount, this.options.retryDelaySeconds);
    }
  }

  /** One invocation with the host's trigger metadata, under the kill planner and the hang watchdog. */
  private async invoke(input: unknown, item: DequeuedMessageItem): Promise<InvocationOutcome> {
    const identity = chunkIdentity(input);
    const triggerMetadata = {
      id: item.messageId,
      popReceipt: item.popReceipt,
      dequeueCount: item.dequeueCount,
      insertionTime: item.insertedOn.toISOString(),
      expirationTime: item.expiresOn.toISOString(),
      nextVisibleTime: item.nextVisibleOn.toISOString(),
      queueTrigger: typeof input === "string" ? input : JSON.stringify(input),
    };
    this.stats.invocations += 1;
    const invocation = await this.pool.invoke(input, triggerMetadata);
    const attemptKey = `${identity?.chunkKey ?? item.messageId}#${item.dequeueCount}`;
    const attempt = (this.attempts.get(attemptKey) ?? 0) + 1;
    this.attempts.set(attemptKey, attempt);
    this.killer.consider(this.pool, invocation, identity, item.dequeueCount, attempt);
    if (identity) this.activity.started(identity.chunkKey, item.dequeueCount);
    const watchdog = setTimeout(() => {
      if (!this.pool.isRunning(invocation.workerId, invocation.id)) return;
      const chunk = identity ? this.options.describeChunk(identity.chunkKey) : `message ${item.messageId}`;
      this.stats.hung.push(
        `${chunk}, delivery ${item.dequeueCount}: no answer after ${this.options.hangMs} ms; last log: ${this.pool.lastLine(invocation.id) ?? "(none)"}`,
      );
      this.pool.kill(invocation.workerId, "hang");
    }, this.options.hangMs);
    const outcome = await invocation.outcome;
    clearTimeout(watchdog);
    this.durations.push(outcome.ms);
    if (identity) this.activity.ended(identity.chunkKey, outcome);
    if (outcome.ok) this.stats.succeeded += 1;
    else countFailure(this.stats, outcome.error);
    return outcome;
  }
}
