import { createHash } from "node:crypto";

/** One staged block of a chunk: bytes [start, end) under a deterministic id. */
export interface PlannedBlock {
  /** Position in the blob's block list. */
  readonly index: number;
  readonly id: string;
  readonly start: number;
  readonly end: number;
}

/** One ranged GET (DOWNLOAD_BLOCK_SIZE bytes), staged as one or more blocks while it streams in. */
export interface PlannedRange {
  readonly index: number;
  readonly start: number;
  readonly end: number;
  readonly blocks: readonly PlannedBlock[];
}

export const MAX_BLOCKS = 50_000;

/**
 * Blocks are staged at most this large, so that staging overlaps the download of the same range
 * instead of waiting for the whole range (Azure recommends blocks of a few MiB for throughput).
 */
export const MAX_STAGED_BLOCK = 2 * 1024 * 1024;

export function blocksPerRange(rangeSize: number): number {
  return Math.ceil(rangeSize / MAX_STAGED_BLOCK);
}

/** The size of every staged block but a range's or the chunk's last (and of the memory budget's buffers). */
export function stagedBlockSize(rangeSize: number): number {
  return Math.ceil(rangeSize / blocksPerRange(rangeSize));
}

/** Byte bounds of block `index` when ranges are `rangeSize` long (the last one cut at `total`). */
export function blockBounds(
  index: number,
  rangeSize: number,
  total = Number.POSITIVE_INFINITY,
): { start: number; end: number } {
  const perRange = blocksPerRange(rangeSize);
  const blockSize = stagedBlockSize(rangeSize);
  const range = Math.floor(index / perRange);
  const start = range * rangeSize + (index % perRange) * blockSize;
  const end = Math.min(start + blockSize, (range + 1) * rangeSize, total);
  return { start, end };
}

/** Ranges of `rangeSize` bytes, each cut into equal blocks of at most MAX_STAGED_BLOCK. */
export function planRanges(total: number, rangeSize: number): PlannedRange[] {
  const perRange = blocksPerRange(rangeSize);
  const count = Math.ceil(total / rangeSize);
  if (count * perRange > MAX_BLOCKS)
    throw new RangeError(
      `${total} bytes need ${count * perRange} blocks; the limit is ${MAX_BLOCKS}. Raise DOWNLOAD_BLOCK_SIZE.`,
    );
  return Array.from({ length: count }, (_, index) => {
    const start = index * rangeSize;
    const end = Math.min(total, start + rangeSize);
    const blocks: PlannedBlock[] = [];
    for (let part = 0; part < perRange; part++) {
      const blockIndex = index * perRange + part;
      const bounds = blockBounds(blockIndex, rangeSize, total);
      if (bounds.start >= end) break;
      blocks.push({ index: blockIndex, id: blockId(blockIndex, rangeSize, total), ...bounds });
    }
    return { index, start, end, blocks };
  });
}

/**
 * Deterministic, equal-length block id: the same chunk, layout and source size always give the same
 * ids, so a redelivery finds the blocks an earlier attempt staged. The layout (range size and staged
 * block size, as a short tag) and the source's total size are part of the id: blocks staged under
 * another DOWNLOAD_BLOCK_SIZE, or from a source whose size has changed since, are never mixed in
 * (a commit discards the uncommitted blocks it does not name). Same length as the v2 ids before it.
 */
export function blockId(index: number, rangeSize: number, total: number): string {
  return Buffer.from(
    `v3-${String(index).padStart(7, "0")}-${String(total).padStart(13, "0")}-${layoutTag(rangeSize)}`,
  ).toString("base64");
}

/** The source sizes that blocks staged under this layout were cut for (normally one, or none). */
export function stagedTotals(stagedIds: Iterable<string>, rangeSize: number): number[] {
  const tag = layoutTag(rangeSize);
  const totals = new Set<number>();
  for (const id of stagedIds) {
    const parts = /^v3-\d{7}-(\d{13})-([0-9a-f]{5})$/.exec(Buffer.from(id, "base64").toString("latin1"));
    if (parts?.[2] === tag) totals.add(Number(parts[1]));
  }
  return [...totals];
}

function layoutTag(rangeSize: number): string {
  const staged = stagedBlockSize(rangeSize);
  return createHash("sha256").update(`${rangeSize}/${staged}`).digest("hex").slice(0, 5);
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
  if (unsatisfied)
    return { start: Number(unsatisfied[1]), end: Number(unsatisfied[1]) - 1, total: Number(unsatisfied[1]) };
  return undefined;
}
