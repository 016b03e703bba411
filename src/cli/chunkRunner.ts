import type { ChunkArchiveJob, ChunkJobResult } from "../pipeline/chunkArchiveJob";
import { chunkBlobNames } from "../layout/blobLayout";
import { sleep } from "../archive/retryPolicy";
import { describeError } from "../errors";
import type { ChunkMessage } from "../queue/chunkMessage";
import type { Log } from "../shared/log";
import type { ChunkReport } from "./output/summary";

export interface ChunkRunOptions {
  readonly job: ChunkArchiveJob;
  readonly container: string;
  /** Runs before giving up; the last run is told it is the last delivery, so it records the failure. */
  readonly attempts: number;
  readonly log: Log;
  /** Wait before run n+1 (the queue's visibility timeout, shortened for an interactive tool). */
  readonly pauseMs?: (attempt: number) => number;
  /** Told when a run failed for now and the chunk is run again (the progress line counts retries). */
  readonly onRetry?: () => void;
}

/**
 * Archives one chunk with the queue function's job, standing in for the queue: a transient failure
 * ("retry") runs the job again, up to `attempts` times. The last run is the job's last delivery: it
 * re-queues the chunk on the app's queue when the deadline is still ahead, or writes the failure record.
 */
export async function runChunk(message: ChunkMessage, options: ChunkRunOptions): Promise<ChunkReport> {
  const names = chunkBlobNames(message);
  const base = {
    chunkKey: message.chunkKey,
    documentId: message.documentId,
    index: message.index,
    eventId: message.eventId,
    blob: `${options.container}/${names.media}`,
    metadataBlob: `${options.container}/${names.metadata}`,
  };
  for (let attempt = 1; ; attempt++) {
    let result: ChunkJobResult;
    try {
      result = await options.job.run(message, options.log, {
        dequeueCount: attempt,
        maxDequeueCount: options.attempts,
      });
    } catch (error) {
      options.log.error(
        `Archiving chunk ${message.chunkKey} failed and no outcome record could be written: ${describeError(error)}`,
      );
      return { ...base, bytes: 0, outcome: "failed", reason: describeError(error), attempts: attempt };
    }
    switch (result.status) {
      case "archived":
      case "alreadyArchived":
        return {
          ...base,
          blob: result.mediaBlob,
          metadataBlob: result.metadataBlob,
          bytes: result.bytes,
          outcome: result.status,
          attempts: attempt,
          downloadedBytes: result.downloadedBytes,
          resumedBlocks: result.resumedBlocks,
        };
      case "retry":
        if (attempt < options.attempts) {
          const pause = options.pauseMs?.(attempt) ?? 2_000 * attempt;
          options.log.warn(
            `Chunk ${message.chunkKey}: run ${attempt} of ${options.attempts} failed for now; retrying in ${pause} ms (it resumes from the staged blocks).`,
          );
          options.onRetry?.();
          await sleep(pause);
          continue;
        }
        return {
          ...base,
          bytes: 0,
          outcome: "retriesExhausted",
          reason: describeError(result.error),
          ...(result.recordedAt ? { failureRecord: result.recordedAt } : {}),
          attempts: attempt,
        };
      case "erased":
        return { ...base, bytes: 0, outcome: "erased", reason: result.reason, attempts: attempt };
      case "requeued":
        return {
          ...base,
          bytes: 0,
          outcome: "requeued",
          reason: result.reason,
          requeuedForSeconds: result.delaySeconds,
          attempts: attempt,
        };
      default:
        return {
          ...base,
          bytes: 0,
          outcome: result.status,
          reason: result.reason,
          failureRecord: result.recordedAt,
          attempts: attempt,
        };
    }
  }
}
