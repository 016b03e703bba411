import type { DequeuedMessageItem, QueueClient } from "@azure/storage-queue";
import type { DispatchStats } from "./dispatchStats";

/**
 * One received message while the dispatcher holds it: the visibility lock (renewed while the function runs)
 * and the three ways a delivery ends, as the host ends it. Queue calls on the message run one after another,
 * so a renewal never races the final delete with a stale pop receipt.
 */
export class MessageLease {
  private receipt: string;
  private chain: Promise<void> = Promise.resolve();
  private renewal: NodeJS.Timeout | undefined;

  constructor(
    private readonly item: DequeuedMessageItem,
    private readonly queue: QueueClient,
    private readonly poison: QueueClient,
    private readonly stats: DispatchStats,
    /** The chunk identity (or message id), for the report. */
    private readonly label: string,
  ) {
    this.receipt = item.popReceipt;
  }

  /** Renews the lock every third of `lockSeconds` until the delivery ends. */
  keepLocked(lockSeconds: number): void {
    this.renewal = setInterval(
      () => {
        this.serial(async () => {
          const renewed = await this.queue.updateMessage(this.item.messageId, this.receipt, undefined, lockSeconds);
          if (renewed.popReceipt) this.receipt = renewed.popReceipt;
          this.stats.lockRenewals += 1;
        }).catch((error: unknown) => this.stats.harnessErrors.push(`renewing a lock: ${(error as Error).message}`));
      },
      (lockSeconds * 1000) / 3,
    );
  }

  /** Success: the message is deleted. */
  complete(): Promise<void> {
    return this.end(() => this.queue.deleteMessage(this.item.messageId, this.receipt).then(() => undefined));
  }

  /** Failure: visible again after `delaySeconds` (the host's retry delay), or to poison after the last delivery. */
  fail(maxDequeueCount: number, delaySeconds: number): Promise<void> {
    if (this.item.dequeueCount >= maxDequeueCount) return this.toPoison();
    this.stats.released += 1;
    return this.end(() =>
      this.queue.updateMessage(this.item.messageId, this.receipt, undefined, delaySeconds).then(() => undefined),
    );
  }

  /** As the host does: the body as a new message on `<queue>-poison`, then the original is deleted. */
  toPoison(): Promise<void> {
    this.stats.poisoned += 1;
    this.stats.poisonedMessages.push(`${this.label} after delivery ${this.item.dequeueCount}`);
    return this.end(async () => {
      await this.poison.sendMessage(this.item.messageText);
      await this.queue.deleteMessage(this.item.messageId, this.receipt);
    });
  }

  private end(operation: () => Promise<void>): Promise<void> {
    clearInterval(this.renewal);
    return this.serial(operation);
  }

  /** Runs after the previous queue call; a stale pop receipt (lock lost) is counted, not thrown. */
  private serial(operation: () => Promise<void>): Promise<void> {
    const run = async (): Promise<void> => {
      try {
        await operation();
      } catch (error) {
        const status = (error as { statusCode?: number }).statusCode;
        if (status === 400 || status === 404) this.stats.lockLost += 1;
        else throw error;
      }
    };
    this.chain = this.chain.then(run, run);
    return this.chain;
  }
}
