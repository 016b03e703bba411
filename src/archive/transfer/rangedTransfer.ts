import { setMaxListeners } from "node:events";
import { discardBody } from "../../shared/bodyReading";
import { planRanges, type PlannedBlock, type PlannedRange } from "./blockPlan";
import type { BufferLease } from "./memoryBudget";
import type { MediaTransferResult, SourceProbe } from "./mediaTransfer";
import { OrderedHasher } from "./orderedHasher";
import { fetchRange, type RangeBuffers } from "./rangeFetch";
import { RangeWindow } from "./rangeWindow";
import { azureBlobMd5 } from "./sequentialTransfer";
import { stageBlock, type TransferContext } from "./transferContext";

/** One spare range in the window lets a worker start its next GET while the previous wave's last blocks still stage. */
const SPARE_RANGES = 1;

/**
 * Ranges of `blockSize` bytes, fetched `concurrency` at a time; each is cut into blocks that are staged
 * (transactional MD5) while the rest of the range still streams in. Buffers come from the process's memory
 * budget: the chunk is admitted with one (kept for the oldest unfinished range, so the chunk always progresses)
 * and asks for more as ranges start, never more than `(concurrency + 1) x blockSize` (the window of ranges).
 * Blocks an earlier attempt staged for this size are skipped.
 */
export async function stageRanges(
  context: TransferContext,
  probe: SourceProbe,
  staged: Map<string, number>,
): Promise<MediaTransferResult> {
  const { blockSize } = context;
  const ranges = planRanges(probe.total, blockSize);
  const isStaged = (block: PlannedBlock): boolean => staged.get(block.id) === block.end - block.start;
  const todo = ranges.filter((planned) => planned.blocks.some((block) => !isStaged(block)));
  const resumedBlocks = ranges.reduce((sum, planned) => sum + planned.blocks.filter(isStaged).length, 0);
  const hasher = resumedBlocks === 0 ? new OrderedHasher(0) : undefined;
  const resumesAt = (planned: PlannedRange): number | undefined =>
    planned.blocks.find((block) => !isStaged(block))?.start;
  const probeFor = probe.response.status === 206 && todo[0] && resumesAt(todo[0]) === probe.start ? todo[0] : undefined;
  if (!probeFor) discardBody(probe.response.body);
  let lease: BufferLease;
  try {
    lease = await context.memory.admit(todo.length > 0 ? 1 : 0, { abortSignal: context.abortSignal });
  } catch (error) {
    discardBody(probe.response.body);
    throw error;
  }

  const workers = new AbortController();
  const signal = AbortSignal.any([context.abortSignal, workers.signal]);
  setMaxListeners(0, signal, workers.signal);
  const window = new RangeWindow(context.concurrency + SPARE_RANGES);
  const stages: Promise<void>[] = [];
  // The first failure is the cause; what fails after it was cancelled because of it.
  let cause: { error: unknown } | undefined;
  const stop = (error: unknown): void => {
    cause ??= { error };
    workers.abort(error);
    lease.close(error);
    window.open();
    hasher?.abandon();
  };

  let next = 0;
  const worker = async (): Promise<void> => {
    for (let position = next++; position < todo.length && !signal.aborted; position = next++) {
      await window.enter(position);
      const planned = todo[position] as PlannedRange;
      let outstanding = planned.blocks.length;
      const settle = (): void => {
        if (--outstanding > 0) return;
        window.finish(position);
        lease.reconsider(); // a newer range may be the oldest now, and get the chunk's own buffer
      };
      const buffers: RangeBuffers = {
        acquire: () => lease.acquire(() => window.isOldest(position)),
        release: (buffer) => lease.release(buffer),
      };
      const stage = (block: PlannedBlock, data: Buffer, buffer: Buffer): void => {
        const staging = stageBlock({ ...context, abortSignal: signal }, block.id, data).then(
          () =>
            hasher
              ? hasher.add(block.index, data, () => (lease.release(buffer), settle()))
              : (lease.release(buffer), settle()),
          (error: unknown) => {
            lease.release(buffer);
            stop(error);
            throw error;
          },
        );
        stages.push(staging);
      };
      // Memory first, then the connection: a range that waits for a buffer holds no answer open meanwhile.
      const answered = planned === probeFor ? probe.response : undefined;
      const firstBuffer = answered ? undefined : await buffers.acquire();
      await fetchRange(
        { ...context, abortSignal: signal, buffers, isStaged, total: probe.total },
        planned,
        answered,
        stage,
        settle,
        firstBuffer,
      );
    }
  };
  try {
    const settled = await Promise.allSettled(
      Array.from({ length: context.concurrency }, () =>
        worker().catch((error: unknown) => (stop(error), Promise.reject(error))),
      ),
    );
    const stageResults = await Promise.allSettled(stages);
    const failure = [...settled, ...stageResults].find(
      (result): result is PromiseRejectedResult => result.status === "rejected",
    );
    if (failure) throw cause ? cause.error : failure.reason;
  } finally {
    lease.close();
  }
  return {
    bytes: probe.total,
    blockIds: ranges.flatMap((planned) => planned.blocks.map((block) => block.id)),
    ...(hasher ? { contentSha256: hasher.digest().toString("hex") } : {}),
    ...azureBlobMd5(probe.response),
    resumedBlocks,
    mode: "ranged",
  };
}
