import { isRestError } from "@azure/core-rest-pipeline";
import type { BlockBlobClient } from "@azure/storage-blob";
import { createHash } from "node:crypto";
import type { AcsRecordingClient } from "../../acs/acsRecordingClient";
import type { Log } from "../../shared/log";
import type { MemoryBudget } from "./memoryBudget";
import { STORAGE_RETRY } from "../../storage/storageClients";
import { storageSignal } from "../../storage/storageDeadline";
import { sleep, type RetryPolicy } from "../retryPolicy";
import { isNotFound } from "../../shared/errorKinds";
import type { AbortOptions } from "../../shared/cancellation";

/** What one chunk's media transfer works with. */
export interface TransferContext {
  readonly acs: AcsRecordingClient;
  readonly blob: BlockBlobClient;
  /** The media URL and the message field it came from. */
  readonly url: string;
  readonly field: string;
  readonly blockSize: number;
  readonly concurrency: number;
  /** The process's memory budget: every buffer of the transfer comes from it. */
  readonly memory: MemoryBudget;
  readonly retry: RetryPolicy;
  readonly idleTimeoutMs: number;
  readonly deadlinePassed: () => boolean;
  readonly abortSignal: AbortSignal;
  readonly log: Log;
  /** Bytes received from ACS in this invocation (shared by reference, so copies of the context add to it). */
  readonly received: { bytes: number };
}

/** A staged block of up to a few MiB (or a small chunk's Put Blob) gets this long per Storage call (the SDK's own tries included). */
const STAGE_CALL_TIMEOUT_MS = 60_000;

/**
 * Retry layers for a block, decided once (docs/architecture.md, "Failures"): the Storage SDK's pipeline
 * (STORAGE_RETRY, maxTries 3) retries network errors, 500 and 503 on every Storage call. This layer
 * retries only what the SDK does not — 408, 429, 502, 504 — up to STAGE_ATTEMPTS times, so one block
 * costs at most STAGE_ATTEMPTS x maxTries (9) Storage requests in one delivery; anything else fails
 * the transfer and the queue's redelivery resumes from the blocks already staged.
 */
const STAGE_ATTEMPTS = 3;
const RETRIED_HERE = new Set([408, 429, 502, 504]);

/** Stages one block with a transactional MD5 (see the retry layers above). */
export async function stageBlock(context: TransferContext, id: string, data: Buffer): Promise<void> {
  const md5 = createHash("md5").update(data).digest();
  await withStageRetries(context, "Staging a block", (abortSignal) =>
    context.blob.stageBlock(id, data, data.length, { transactionalContentMD5: md5, abortSignal }),
  );
}

/**
 * One Storage write of chunk bytes (a staged block, or a small chunk's single Put Blob) under the retry layers
 * above, each attempt with its own client-side deadline.
 */
export async function withStageRetries<T>(
  context: Pick<TransferContext, "blob" | "retry" | "abortSignal" | "log">,
  what: string,
  call: (abortSignal: AbortSignal) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call(storageSignal(context.abortSignal, STAGE_CALL_TIMEOUT_MS));
    } catch (error) {
      const status = isRestError(error) ? error.statusCode : undefined;
      if (attempt >= STAGE_ATTEMPTS || status === undefined || !RETRIED_HERE.has(status) || context.abortSignal.aborted)
        throw error;
      const delay = Math.min(context.retry.maxDelayMs, context.retry.baseDelayMs * 2 ** attempt);
      context.retry.onRetry?.();
      context.log.warn(
        `${what} of ${context.blob.name} answered ${status}; retrying in ${Math.round(delay)} ms (attempt ${attempt} of ${STAGE_ATTEMPTS}).`,
      );
      await sleep(delay, { abortSignal: context.abortSignal });
    }
  }
}

/** Requests one block may cost in one delivery, all layers together. */
export const MAX_STAGE_REQUESTS = STAGE_ATTEMPTS * (STORAGE_RETRY.maxTries ?? 1);

/** Sizes of the blocks an earlier attempt staged but did not commit (the basis of resume). */
export async function uncommittedBlocks(
  blob: BlockBlobClient,
  { abortSignal: signal }: Required<AbortOptions>,
): Promise<Map<string, number>> {
  try {
    const list = await blob.getBlockList("uncommitted", { abortSignal: storageSignal(signal) });
    return new Map((list.uncommittedBlocks ?? []).map((block) => [block.name, block.size]));
  } catch (error) {
    if (isNotFound(error)) return new Map();
    throw error;
  }
}
