import type { ErasureTombstones } from "../catalog/erasureTombstones";
import type { ByosContainer } from "../config/byosContainers";
import type { DownloadHostPolicy } from "../config/downloadHosts";
import { describeError } from "../errors";
import type { ChunkMessage } from "../queue/chunkMessage";
import { parseChunkMessage } from "../queue/chunkMessageParser";
import type { Log } from "../shared/log";
import type { FailureRecords } from "../archive/failureRecords";
import { chunkBlobNames } from "../layout/blobLayout";
import { requeuePlan } from "./requeuePlan";

export interface PoisonRescueDependencies {
  readonly failures: FailureRecords;
  readonly downloadHosts: DownloadHostPolicy;
  readonly byosContainers?: readonly ByosContainer[];
  readonly requeue: (message: ChunkMessage, delaySeconds: number) => Promise<void>;
  readonly now?: () => Date;
  /** Erasure tombstones: an erased chunk is neither re-queued nor recorded as lost. */
  readonly erasures?: Pick<ErasureTombstones, "isErased">;
}

export type PoisonRescueResult =
  | { readonly status: "requeued"; readonly chunkKey: string; readonly delaySeconds: number }
  | { readonly status: "recorded"; readonly recordedAt: string }
  | { readonly status: "erased"; readonly chunkKey: string };

/**
 * The Functions host moves a message to `<queue>-poison` when its deliveries end without an answer
 * the archiver could act on — a crash, an out-of-memory, a timeout on the last delivery. Nothing
 * else reads that queue, so this puts such a chunk back on the chunk queue (with a growing delay)
 * until a day past its deadline (requeuePlan), and otherwise writes an outcome record: never a silent loss.
 */
export class PoisonedChunkRescue {
  constructor(private readonly deps: PoisonRescueDependencies) {}

  async rescue(input: unknown, log: Log): Promise<PoisonRescueResult> {
    const now = (this.deps.now ?? (() => new Date()))();
    let message: ChunkMessage;
    try {
      message = parseChunkMessage(input, this.deps.downloadHosts, this.deps.byosContainers);
    } catch (error) {
      const recordedAt = await this.deps.failures.record({ outcome: "rejected", error, rawMessage: input }, now);
      log.error(`A poisoned message is not a usable chunk message (${describeError(error)}). Record: ${recordedAt}`);
      return { status: "recorded", recordedAt };
    }
    if (await this.deps.erasures?.isErased(chunkBlobNames(message).folder, message.documentId)) {
      log.info(
        `Chunk ${message.chunkKey} reached the poison queue, but a data-subject erasure removed it: not re-queued.`,
      );
      return { status: "erased", chunkKey: message.chunkKey };
    }
    const plan = requeuePlan(message, now);
    if (plan.worthIt) {
      await this.deps.requeue({ ...message, redelivery: plan.redelivery }, plan.delaySeconds);
      log.warn(
        `Chunk ${message.chunkKey} reached the poison queue; re-queued (#${plan.redelivery}) to try again in ${Math.round(plan.delaySeconds)} s, (deadline ${message.deadline}).`,
      );
      return { status: "requeued", chunkKey: message.chunkKey, delaySeconds: plan.delaySeconds };
    }
    const reason = new Error(
      `The message reached the poison queue more than a day past its deadline ${message.deadline}; no further try is made.`,
    );
    const recordedAt = await this.deps.failures.record({ outcome: "retriesExhausted", error: reason, message }, now);
    log.error(
      `Chunk ${message.chunkKey} reached the poison queue long past its deadline; it could not be archived. Record: ${recordedAt}`,
    );
    return { status: "recorded", recordedAt };
  }
}
