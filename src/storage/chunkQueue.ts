import type { QueueClient } from "@azure/storage-queue";
import { describeError, StorageUnavailableError } from "../errors";
import { encodeChunkMessage, type ChunkMessage } from "../events/chunkMessage";
import { mapConcurrent } from "../shared/mapConcurrent";
import { ensureOnce } from "./ensureOnce";

/** Deliveries before the Functions host moves a message to `<queue>-poison`; equals host.json maxDequeueCount (a test checks it). */
export const MAX_DEQUEUE_COUNT = 5;

/** Where the Functions host moves a message after MAX_DEQUEUE_COUNT deliveries. */
export function poisonQueueName(queue: string): string {
  return `${queue}-poison`;
}

/** The Storage queue the archiver is triggered from; one message per chunk, base64-encoded JSON. */
export class ChunkQueue {
  private readonly ensureQueue: () => Promise<void>;

  constructor(
    private readonly queue: QueueClient,
    private readonly concurrency = 32,
  ) {
    this.ensureQueue = ensureOnce(async () => {
      await queue.createIfNotExists();
    });
  }

  get name(): string {
    return this.queue.name;
  }

  /**
   * Puts a chunk back on the queue, invisible for `delaySeconds`: a fresh message (dequeue count 0)
   * so that retries can go on, spaced out, until the chunk's deadline.
   */
  async requeue(message: ChunkMessage, delaySeconds: number): Promise<void> {
    try {
      await this.ensureQueue();
      await this.queue.sendMessage(encodeChunkMessage(message), { visibilityTimeout: Math.max(0, Math.round(delaySeconds)), messageTimeToLive: -1 });
    } catch (error) {
      throw new StorageUnavailableError(`Could not re-queue chunk ${message.chunkKey} on ${this.queue.name}: ${describeError(error)}`, { cause: error });
    }
  }

  /** Sends every message (bounded parallelism); throws StorageUnavailableError if any could not be sent. */
  async enqueue(messages: readonly ChunkMessage[]): Promise<void> {
    if (messages.length === 0) return;
    try {
      await this.ensureQueue();
    } catch (error) {
      throw new StorageUnavailableError(`Could not reach queue ${this.queue.name}: ${describeError(error)}`, { cause: error });
    }
    const results = await mapConcurrent(messages, this.concurrency, (message) => this.queue.sendMessage(encodeChunkMessage(message)));
    const failures = results.filter((result): result is PromiseRejectedResult => result.status === "rejected");
    if (failures.length > 0) {
      throw new StorageUnavailableError(
        `${failures.length} of ${messages.length} chunk messages could not be queued on ${this.queue.name}: ${describeError(failures[0]?.reason)}`,
        { cause: failures[0]?.reason },
      );
    }
  }
}
