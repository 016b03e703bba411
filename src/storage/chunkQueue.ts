import type { QueueClient } from "@azure/storage-queue";
import { describeError, StorageUnavailableError } from "../errors";
import { encodeChunkMessage, type ChunkMessage } from "../events/chunkMessage";
import { mapConcurrent } from "../shared/mapConcurrent";
import { ensureOnce } from "./ensureOnce";

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
