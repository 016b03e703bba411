import type { BlockBlobClient } from "@azure/storage-blob";
import { createHash } from "node:crypto";
import type { AcsRecordingClient } from "../acs/acsRecordingClient";
import type { Log } from "../shared/log";
import { withRetries, type RetryPolicy } from "./retryPolicy";

/** What one chunk's media transfer works with. */
export interface TransferContext {
  readonly acs: AcsRecordingClient;
  readonly blob: BlockBlobClient;
  /** The media URL and the message field it came from. */
  readonly url: string;
  readonly field: string;
  readonly blockSize: number;
  readonly concurrency: number;
  readonly retry: RetryPolicy;
  readonly idleTimeoutMs: number;
  readonly deadlinePassed: () => boolean;
  readonly signal: AbortSignal;
  readonly log: Log;
  /** Bytes received from ACS in this invocation (shared by reference, so copies of the context add to it). */
  readonly received: { bytes: number };
}

/** Stages one block with a transactional MD5, retrying transient Storage failures (429/503 included). */
export async function stageBlock(context: TransferContext, id: string, data: Buffer): Promise<void> {
  const md5 = createHash("md5").update(data).digest();
  await withRetries(
    () => context.blob.stageBlock(id, data, data.length, { transactionalContentMD5: md5, abortSignal: context.signal }),
    {
      policy: context.retry,
      deadlinePassed: () => false,
      signal: context.signal,
      onRetry: (error, delay) => context.log.warn(`Staging a block of ${context.blob.name} failed (${(error as Error).message}); retrying in ${Math.round(delay)} ms.`),
    },
  );
}

/** Sizes of the blocks an earlier attempt staged but did not commit (the basis of resume). */
export async function uncommittedBlocks(blob: BlockBlobClient, signal: AbortSignal): Promise<Map<string, number>> {
  try {
    const list = await blob.getBlockList("uncommitted", { abortSignal: signal });
    return new Map((list.uncommittedBlocks ?? []).map((block) => [block.name, block.size]));
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return new Map();
    throw error;
  }
}
