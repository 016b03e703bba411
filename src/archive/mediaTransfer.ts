import { setMaxListeners } from "node:events";
import type { AcsResponse } from "../acs/acsRecordingClient";
import { AcsHttpError, TransferInterruptedError } from "../errors";
import { blockBounds, blockId, blocksPerRange, parseContentRange, planRanges, type PlannedBlock, type PlannedRange } from "./blockPlan";
import { BodyReader } from "./bodyReader";
import { BufferPool } from "./bufferPool";
import { OrderedHasher } from "./orderedHasher";
import { RangeWindow } from "./rangeWindow";
import { withRetries } from "./retryPolicy";
import { sequentialTransfer, sourceHash } from "./sequentialTransfer";
import { stageBlock, uncommittedBlocks, type TransferContext } from "./transferContext";

const SPARE_RANGES = 1;

export interface MediaTransferResult {
  /** Size the server declared, and that the staged blocks add up to. */
  readonly bytes: number;
  /** Block ids to commit, in order. */
  readonly blockIds: readonly string[];
  /** SHA-256 (hex) of the whole content, when every block was downloaded in this invocation. */
  readonly contentSha256?: string;
  /** A whole-file MD5 the source sent, recorded as is. */
  readonly sourceContentMd5?: string;
  /** Blocks found already staged by an earlier attempt. */
  readonly resumedBlocks: number;
  readonly mode: "ranged" | "sequential";
}

/**
 * Stages a chunk's media: the first ranged GET tells the size, then ranges of `blockSize` bytes are
 * fetched `concurrency` at a time. Each range is cut into blocks that are staged (transactional MD5)
 * while the rest of the range still streams in, from a fixed pool of buffers: memory is bounded by
 * `concurrency x blockSize` whatever the chunk size. Blocks an earlier attempt staged with the right
 * size are skipped. A server that ignores Range is read sequentially instead. Nothing is committed here.
 */
export async function transferMedia(context: TransferContext): Promise<MediaTransferResult> {
  const { blockSize } = context;
  const staged = await uncommittedBlocks(context.blob, context.signal);
  let firstMissing = 0;
  while (staged.has(blockId(firstMissing, blockSize))) firstMissing += 1;
  // The first GET starts at the first block not staged yet and runs to the end of its range.
  const probeStart = blockBounds(firstMissing, blockSize).start;
  const probeEnd = (Math.floor(firstMissing / blocksPerRange(blockSize)) + 1) * blockSize - 1;
  const probe = await withRetries(
    () => context.acs.get(context.url, { field: context.field, range: { start: probeStart, end: probeEnd }, abortSignal: context.signal }),
    retryOptions(context, "Starting the download"),
  );
  if (probe.status === 200) return sequentialTransfer(context, probe, staged);
  const range = parseContentRange(probe.headers.get("content-range"));
  if (!range || (probe.status !== 416 && (probe.status !== 206 || range.start !== probeStart))) {
    probe.body?.resume();
    throw new AcsHttpError(probe.status, "The first ranged GET", `unexpected Content-Range ${probe.headers.get("content-range") ?? "(none)"}`);
  }
  const ranges = planRanges(range.total, blockSize);
  const isStaged = (block: PlannedBlock): boolean => staged.get(block.id) === block.end - block.start;
  const todo = ranges.filter((planned) => planned.blocks.some((block) => !isStaged(block)));
  const resumedBlocks = ranges.reduce((sum, planned) => sum + planned.blocks.filter(isStaged).length, 0);
  const hasher = resumedBlocks === 0 ? new OrderedHasher(0) : undefined;
  const resumesAt = (planned: PlannedRange): number | undefined => planned.blocks.find((block) => !isStaged(block))?.start;
  const probeFor = probe.status === 206 && todo[0] && resumesAt(todo[0]) === probeStart ? todo[0] : undefined;
  if (!probeFor) probe.body?.resume();

  const workers = new AbortController();
  const signal = AbortSignal.any([context.signal, workers.signal]);
  setMaxListeners(0, signal, workers.signal);
  // One spare range in the window lets a worker start its next GET while the previous wave's last
  // blocks are still being staged, instead of every wave waiting for the slowest stage.
  const width = context.concurrency + SPARE_RANGES;
  const pool = new BufferPool(width * blocksPerRange(blockSize), Math.ceil(blockSize / blocksPerRange(blockSize)));
  const window = new RangeWindow(width);
  const stages: Promise<void>[] = [];
  const stop = (error: unknown): void => {
    workers.abort(error);
    pool.close(error);
    window.open();
    hasher?.abandon();
  };
  const rangeContext = { ...context, signal, pool, isStaged };

  let next = 0;
  const worker = async (): Promise<void> => {
    for (let position = next++; position < todo.length && !signal.aborted; position = next++) {
      await window.enter(position);
      const planned = todo[position] as PlannedRange;
      let outstanding = planned.blocks.length;
      const settle = (): void => {
        if (--outstanding === 0) window.finish(position);
      };
      await fetchRange(rangeContext, planned, planned === probeFor ? probe : undefined, (block, data, buffer) => {
        const staging = stageBlock({ ...context, signal }, block.id, data).then(
          () => (hasher ? hasher.add(block.index, data, () => (pool.release(buffer), settle())) : (pool.release(buffer), settle())),
          (error: unknown) => {
            pool.release(buffer);
            stop(error);
            throw error;
          },
        );
        stages.push(staging);
      }, settle);
    }
  };
  const settled = await Promise.allSettled(Array.from({ length: context.concurrency }, () => worker().catch((error: unknown) => (stop(error), Promise.reject(error)))));
  const stageResults = await Promise.allSettled(stages);
  const failure = [...settled, ...stageResults].find((result): result is PromiseRejectedResult => result.status === "rejected");
  if (failure) throw failure.reason;
  return {
    bytes: range.total,
    blockIds: ranges.flatMap((planned) => planned.blocks.map((block) => block.id)),
    ...(hasher ? { contentSha256: hasher.digest().toString("hex") } : {}),
    ...sourceHash(probe),
    resumedBlocks,
    mode: "ranged",
  };
}

type RangeContext = TransferContext & { readonly pool: BufferPool; readonly isStaged: (block: PlannedBlock) => boolean };

/**
 * Streams one range and hands each completed block to `stage` (with the pool buffer that holds it).
 * Blocks already staged are read past, and reported through `skipped`. A broken or short answer is
 * resumed by Range from the last byte received; attempts that made progress do not use up retries.
 */
async function fetchRange(
  context: RangeContext,
  planned: PlannedRange,
  firstResponse: AcsResponse | undefined,
  stage: (block: PlannedBlock, data: Buffer, buffer: Buffer) => void,
  skipped: () => void,
): Promise<void> {
  const first = planned.blocks.findIndex((block) => !context.isStaged(block));
  const blocks = planned.blocks.slice(first);
  for (let i = 0; i < first; i++) skipped();
  let position = blocks[0]?.start ?? planned.end;
  let current = 0;
  let buffer: Buffer | undefined;
  let pending = firstResponse;
  const options = { ...retryOptions(context, `Range ${planned.index}`), progress: () => position };
  while (position < planned.end) {
    await withRetries(async () => {
      const response = pending ?? (await context.acs.get(context.url, { field: context.field, range: { start: position, end: planned.end - 1 }, abortSignal: context.signal }));
      pending = undefined;
      if (!response.body) throw new AcsHttpError(response.status, "A ranged GET", "no body");
      const answer = parseContentRange(response.headers.get("content-range"));
      const ignoredRange = response.status === 200;
      if (!ignoredRange && (!answer || answer.start !== position || answer.end < position)) {
        response.body.resume();
        throw new TransferInterruptedError(`asked for bytes ${position}-${planned.end - 1}, got ${response.headers.get("content-range") ?? "no Content-Range"}`);
      }
      // A server may answer with less than asked (the loop asks again for the rest).
      const answerEnd = ignoredRange ? planned.end : Math.min(planned.end, (answer?.end ?? 0) + 1);
      const reader = new BodyReader(response.body, context.idleTimeoutMs, context.signal);
      if (ignoredRange) await reader.skip(position);
      while (position < answerEnd) {
        const block = blocks[current] as PlannedBlock;
        const upTo = Math.min(block.end, answerEnd);
        if (context.isStaged(block)) {
          await reader.skip(upTo - position);
          position = upTo;
        } else {
          buffer ??= await context.pool.acquire();
          await reader.read(buffer, position - block.start, upTo - position, (bytes) => {
            position += bytes;
            context.received.bytes += bytes;
          });
        }
        if (position === block.end) {
          if (context.isStaged(block)) skipped();
          else stage(block, (buffer as Buffer).subarray(0, block.end - block.start), buffer as Buffer);
          buffer = undefined;
          current += 1;
        }
      }
      if (ignoredRange || answerEnd < (answer?.end ?? 0) + 1) reader.destroy();
      else await reader.end();
    }, options).catch((error: unknown) => {
      if (buffer) context.pool.release(buffer);
      throw error;
    });
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
