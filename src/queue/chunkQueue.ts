import type { QueueClient } from "@azure/storage-queue";
import { encodeChunkMessage, type ChunkMessage } from "./chunkMessage";
import { mapConcurrent } from "../shared/mapConcurrent";
import { ensureOnce } from "../storage/ensureOnce";
import { storageFailure, storageSignal } from "../storage/storageDeadline";
import type { AbortOptions } from "../shared/cancellation";

/** Deliveries before the Functions host moves a message to `<queue>-poison`; equals host.json maxDequeueCount (a test checks it). */
export const MAX_DEQUEUE_COUNT = 5;

/** Where the Functions host moves a message after MAX_DEQUEUE_COUNT deliveries. */
export function poisonQueueName(queue: string): string {
  return `${queue}-poison`;
}

/** The Storage queue the archiver is triggered from; one message per chunk, base64-encoded JSON. */
export class ChunkQueue {
  private readonly ensureQueue: (options?: AbortOptions) => Promise<void>;

  constructor(
    private readonly queue: QueueClient,
    private readonly concurrency = 32,
  ) {
    this.ensureQueue = ensureOnce(async (signal) => {
      await queue.createIfNotExists({ abortSignal: signal });
    });
  }

  get name(): string {
    return this.queue.name;
  }

  /**
   * Puts a chunk back on the queue, invisible for `delaySeconds`: a fresh message (dequeue count 0)
   * so that retries can go on, spaced out, until the chunk's deadline.
   */
  async requeue(
    message: ChunkMessage,
    delaySeconds: number,
    { abortSignal: signal }: AbortOptions = {},
  ): Promise<void> {
    try {
      await this.ensureQueue({ abortSignal: signal });
      await this.queue.sendMessage(encodeChunkMessage(message), {
        visibilityTimeout: Math.max(0, Math.round(delaySeconds)),
        messageTimeToLive: -1,
        abortSignal: storageSignal(signal),
      });
    } catch (error) {
      throw storageFailure(`Could not re-queue chunk ${message.chunkKey} on ${this.queue.name}`, error);
    }
  }

  /**
   * Sends every message (bounded parallelism, each send with its own Storage deadline within `abortSignal`), and after
   * each successful send runs `afterSend` for it in the same slot (intake records the chunk as queued there); throws
   * StorageUnavailableError if any send or step failed. The first failure, or the deadline, stops the sends still
   * waiting: the delivery is retried as a whole anyway.
   */
  async enqueue(
    messages: readonly ChunkMessage[],
    options: { abortSignal?: AbortSignal; afterSend?: (message: ChunkMessage) => Promise<void> } = {},
  ): Promise<void> {
    if (messages.length === 0) return;
    const { abortSignal: signal, afterSend } = options;
    try {
      await this.ensureQueue({ abortSignal: signal });
    } catch (error) {
      throw storageFailure(`Could not reach queue ${this.queue.name}`, error);
    }
    const giveUp = new AbortController();
    const sends = signal ? AbortSignal.any([signal, giveUp.signal]) : giveUp.signal;
    let firstFailure: unknown;
    const results = await mapConcurrent(
      messages,
      this.concurrency,
      async (message) => {
        try {
          await this.queue.sendMessage(encodeChunkMessage(message), { abortSignal: storageSignal(sends) });
          await afterSend?.(message);
        } catch (error) {
          if (!giveUp.signal.aborted) firstFailure = error;
          giveUp.abort(error);
          throw error;
        }
      },
      { abortSignal: sends },
    );
    const failed = results.filter((result) => result.status === "rejected").length;
    if (failed > 0) {
      throw storageFailure(
        `${failed} of ${messages.length} chunk messages could not be queued on ${this.queue.name}`,
        firstFailure ?? signal?.reason,
      );
    }
  }
}
