import type { AcsResponse } from "../acs/acsRecordingClient";
import { setMaxListeners } from "node:events";
import { AcsHttpError, TransferInterruptedError } from "../errors";
import { blockId, parseContentRange, planBlocks, type PlannedBlock } from "./blockPlan";
import { BufferPool } from "./bufferPool";
import { OrderedHasher } from "./orderedHasher";
import { withRetries } from "./retryPolicy";
import { sequentialTransfer } from "./sequentialTransfer";
import { copyBodyInto } from "./streamCopy";
import { stageBlock, uncommittedBlocks, type TransferContext } from "./transferContext";

export interface MediaTransferResult {
  /** Size the server declared, and that the staged blocks add up to. */
  readonly bytes: number;
  /** Block ids to commit, in order. */
  readonly blockIds: readonly string[];
  /** MD5 of the whole content when every block was downloaded in this invocation. */
  readonly contentMd5?: Buffer;
  /** Blocks found already staged by an earlier attempt. */
  readonly resumedBlocks: number;
  readonly mode: "ranged" | "sequential";
}

/**
 * Stages a chunk's media as blocks: the first ranged GET tells the size, the rest are fetched as
 * parallel ranged GETs (`concurrency` at a time, one pool buffer each), each block staged with a
 * transactional MD5. Blocks an earlier attempt staged with the right size are skipped. A server that
 * ignores Range is read sequentially instead. Nothing is committed here.
 */
export async function transferMedia(context: TransferContext): Promise<MediaTransferResult> {
  const { blockSize } = context;
  const staged = await uncommittedBlocks(context.blob, context.signal);
  let firstMissing = 0;
  while (staged.has(blockId(firstMissing, blockSize))) firstMissing += 1;

  const pool = new BufferPool(context.concurrency, blockSize);
  const probeBuffer = await pool.acquire();
  const probeStart = firstMissing * blockSize;
  const probe = await withRetries(() => context.acs.get(context.url, { field: context.field, range: { start: probeStart, end: probeStart + blockSize - 1 }, abortSignal: context.signal }), retryOptions(context, "Starting the download"));

  if (probe.status === 200) {
    pool.release(probeBuffer);
    return sequentialTransfer(context, probe, staged);
  }
  const range = parseContentRange(probe.headers.get("content-range"));
  if (probe.status === 416 && range) {
    probe.body?.resume();
  } else if (probe.status !== 206 || !range || range.start !== probeStart) {
    probe.body?.resume();
    throw new AcsHttpError(probe.status, "The first ranged GET", `unexpected Content-Range ${probe.headers.get("content-range") ?? "(none)"}`);
  }
  const total = range.total;
  const plan = planBlocks(total, blockSize);
  const done = new Set(plan.filter((block) => staged.get(block.id) === block.end - block.start).map((block) => block.index));
  const hasher = done.size === 0 ? new OrderedHasher(0) : undefined;
  const todo = plan.filter((block) => !done.has(block.index));

  const workers = new AbortController();
  const signal = AbortSignal.any([context.signal, workers.signal]);
  setMaxListeners(0, signal, workers.signal);
  /** Downloads (or finishes downloading) a block, stages it, hands it to the hasher; frees the buffer. */
  const transfer = async (block: PlannedBlock, buffer: Buffer, firstResponse?: AcsResponse): Promise<void> => {
    try {
      await fetchBlock({ ...context, signal }, block, buffer, firstResponse);
      const data = buffer.subarray(0, block.end - block.start);
      await stageBlock({ ...context, signal }, block.id, data);
      if (hasher) return hasher.add(block.index, data, () => pool.release(buffer));
    } catch (error) {
      pool.release(buffer);
      throw error;
    }
    pool.release(buffer);
  };
  const guard = async (work: () => Promise<void>): Promise<void> => {
    try {
      await work();
    } catch (error) {
      // Stop everything: in-flight requests abort, waiting workers wake up, held buffers go back.
      workers.abort(error);
      pool.close(error);
      hasher?.abandon();
      throw error;
    }
  };
  const jobs: Promise<void>[] = [];
  // The probe's body is the first missing block: it streams in while the other blocks start.
  const probeBlock = plan[firstMissing];
  let queue = todo;
  if (probe.status === 206 && probeBlock && !done.has(probeBlock.index)) {
    queue = todo.filter((block) => block !== probeBlock);
    jobs.push(guard(() => transfer(probeBlock, probeBuffer, probe)));
  } else {
    probe.body?.resume();
    pool.release(probeBuffer);
  }
  let next = 0;
  for (let worker = 0; worker < context.concurrency; worker++) {
    jobs.push(
      guard(async () => {
        for (;;) {
          const buffer = await pool.acquire();
          const block = queue[next];
          if (!block || signal.aborted) return pool.release(buffer);
          next += 1;
          await transfer(block, buffer);
        }
      }),
    );
  }
  const settled = await Promise.allSettled(jobs);
  const failure = settled.find((result): result is PromiseRejectedResult => result.status === "rejected");
  if (failure) throw failure.reason;
  return {
    bytes: total,
    blockIds: plan.map((block) => block.id),
    ...(hasher ? { contentMd5: hasher.digest() } : {}),
    resumedBlocks: done.size,
    mode: "ranged",
  };
}

/**
 * Downloads one block into `buffer`. A broken or short answer is resumed by Range from the last byte
 * received; attempts that made progress do not count against the retry budget.
 */
async function fetchBlock(context: TransferContext, block: PlannedBlock, buffer: Buffer, firstResponse?: AcsResponse): Promise<void> {
  const length = block.end - block.start;
  let received = 0;
  let pending = firstResponse;
  const options = { ...retryOptions(context, `Block ${block.index}`), progress: () => received };
  while (received < length) {
    await withRetries(async () => {
      const from = block.start + received;
      const response: AcsResponse = pending ?? (await context.acs.get(context.url, { field: context.field, range: { start: from, end: block.end - 1 }, abortSignal: context.signal }));
      pending = undefined;
      if (!response.body) throw new AcsHttpError(response.status, "A ranged GET", "no body");
      let skip = 0;
      let want = length - received;
      if (response.status === 200) {
        skip = from; // the server ignored Range this time: skip to where we are
      } else {
        const range = parseContentRange(response.headers.get("content-range"));
        if (!range || range.start !== from || range.end < from) {
          response.body.resume();
          throw new TransferInterruptedError(`asked for bytes ${from}-${block.end - 1}, got ${response.headers.get("content-range") ?? "no Content-Range"}`);
        }
        // A server may answer with less than asked (the loop asks again), and the first answer may
        // run past the block when the probe asked for more than a short last block holds.
        want = Math.min(range.end, block.end - 1) - from + 1;
      }
      await copyBodyInto(response.body, buffer, received, want, {
        idleTimeoutMs: context.idleTimeoutMs,
        signal: context.signal,
        skip,
        stopAtLength: response.status === 200,
        onBytes: (bytes) => {
          received += bytes;
          context.downloadedBytes += bytes;
        },
      });
    }, options);
  }
}

export function retryOptions(context: TransferContext, what: string): Parameters<typeof withRetries>[1] {
  return {
    policy: context.retry,
    deadlinePassed: context.deadlinePassed,
    signal: context.signal,
    onRetry: (error, delay, attempt) =>
      context.log.warn(`${what} of ${context.blob.name} failed (attempt ${attempt}: ${(error as Error).message}); retrying in ${Math.round(delay)} ms.`),
  };
}
