/** One block of a chunk: bytes [start, end) staged under a deterministic id. */
export interface PlannedBlock {
  readonly index: number;
  readonly id: string;
  readonly start: number;
  readonly end: number;
}

export const MAX_BLOCKS = 50_000;

/**
 * Deterministic, equal-length block id: the same chunk and block size always give the same ids, so
 * a redelivery finds the blocks an earlier attempt staged. The block size is part of the id, so
 * blocks staged under another DOWNLOAD_BLOCK_SIZE are never mixed in.
 */
export function blockId(index: number, blockSize: number): string {
  return Buffer.from(`blk${String(index).padStart(6, "0")}s${String(blockSize).padStart(10, "0")}`).toString("base64");
}

export function planBlocks(total: number, blockSize: number): PlannedBlock[] {
  const count = Math.ceil(total / blockSize);
  if (count > MAX_BLOCKS) throw new RangeError(`${total} bytes need ${count} blocks of ${blockSize}; the limit is ${MAX_BLOCKS}.`);
  return Array.from({ length: count }, (_, index) => ({
    index,
    id: blockId(index, blockSize),
    start: index * blockSize,
    end: Math.min(total, (index + 1) * blockSize),
  }));
}

export interface ContentRange {
  readonly start: number;
  /** Inclusive. */
  readonly end: number;
  readonly total: number;
}

/** Parses `bytes a-b/total`, and the 416 form `bytes *\/total` (which yields start > end). */
export function parseContentRange(value: string | undefined): ContentRange | undefined {
  if (!value) return undefined;
  const full = /^bytes\s+(\d+)-(\d+)\/(\d+)$/i.exec(value.trim());
  if (full) return { start: Number(full[1]), end: Number(full[2]), total: Number(full[3]) };
  const unsatisfied = /^bytes\s+\*\/(\d+)$/i.exec(value.trim());
  if (unsatisfied) return { start: Number(unsatisfied[1]), end: Number(unsatisfied[1]) - 1, total: Number(unsatisfied[1]) };
  return undefined;
}
