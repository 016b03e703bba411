import type { AcsResponse } from "../../acs/acsRecordingClient";
import { AcsHttpError, describeError, SourceChangedError, TransferInterruptedError } from "../../errors";
import { discardBody } from "../../shared/bodyReading";
import { blockBounds, blockId, blocksPerRange, parseContentRange, stagedTotals } from "./blockPlan";
import { retryOptions } from "./rangeFetch";
import { stageRanges } from "./rangedTransfer";
import { withRetries } from "../retryPolicy";
import { sequentialTransfer } from "./sequentialTransfer";
import { declaredTotal } from "./sourceSize";
import { uncommittedBlocks, type TransferContext } from "./transferContext";
import { storeWhole, type WholeChunkCommit } from "./wholeTransfer";

export interface MediaTransferResult {
  /** Size the server declared, and that the staged blocks add up to. */
  readonly bytes: number;
  /** Block ids to commit, in order (none when the chunk was written whole). */
  readonly blockIds: readonly string[];
  /** SHA-256 (hex) of the whole content, when every block was downloaded in this invocation. */
  readonly contentSha256?: string;
  /** A whole-file MD5 the source sent (verified when it came on a whole-file answer). */
  readonly sourceContentMd5?: string;
  /** Blocks found already staged by an earlier attempt. */
  readonly resumedBlocks: number;
  /** `whole`: one range, written with one Put Blob (already committed); else staged blocks to commit. */
  readonly mode: "ranged" | "sequential" | "whole";
}

/** The first answer: where it starts, and the source's size it declares. */
export interface SourceProbe {
  readonly response: AcsResponse;
  readonly start: number;
  readonly total: number;
}

/** What transferMedia did: wrote the chunk whole, staged blocks for the caller to commit, or found it written by another delivery. */
export type MediaOutcome =
  | { readonly kind: "stored" | "staged"; readonly media: MediaTransferResult }
  | { readonly kind: "archived"; readonly bytes: number };

/**
 * Moves a chunk's media into the archive blob. The first GET asks for the first range; its answer declares the
 * source's size (sourceSize.ts). A chunk that fits in that range is written whole at once (wholeTransfer.ts).
 * A larger one is staged block by block, by ranges, or sequentially for a server that ignores Range, resuming
 * after the blocks an earlier delivery staged (`fresh`, the queue's first delivery of the chunk, has none to
 * read); the caller commits it. When the source's size changes mid-download, the plan no longer fits: the
 * transfer starts over once with a new plan (block ids carry the size, so no block of the old layout is mixed in).
 */
export async function transferMedia(
  context: TransferContext,
  commit: WholeChunkCommit,
  fresh: boolean,
): Promise<MediaOutcome> {
  try {
    return await transferOnce(context, commit, fresh);
  } catch (error) {
    if (!(error instanceof SourceChangedError)) throw error;
    context.log.warn(`${describeError(error)}: ${context.blob.name} starts over.`);
    return transferOnce(context, commit, false);
  }
}

async function transferOnce(context: TransferContext, commit: WholeChunkCommit, fresh: boolean): Promise<MediaOutcome> {
  // Resume is only a saving: a first delivery (which had no predecessor to stage anything) stages every block
  // afresh (deterministic ids: staging one again is harmless, and a commit names only the blocks of this plan).
  const staged = fresh
    ? new Map<string, number>()
    : await uncommittedBlocks(context.blob, { abortSignal: context.abortSignal });
  const probe = await probeSource(context, staged);
  if (probe.start === 0 && probe.response.status !== 200 && probe.total <= context.blockSize) {
    const media = await storeWhole(context, probe, commit);
    return media ? { kind: "stored", media } : { kind: "archived", bytes: probe.total };
  }
  if (probe.response.status === 200)
    return { kind: "staged", media: await sequentialTransfer(context, probe.response, staged) };
  return { kind: "staged", media: await stageRanges(context, probe, staged) };
}

/**
 * The first GET starts at the first block not staged yet (for the size earlier blocks were staged
 * for) and runs to the end of its range. Its answer must declare the size (sourceSize.ts).
 */
async function probeSource(context: TransferContext, staged: Map<string, number>): Promise<SourceProbe> {
  const start = resumePoint(context.blockSize, staged);
  const end =
    (Math.floor(blockIndexAt(start, context.blockSize) / blocksPerRange(context.blockSize)) + 1) * context.blockSize -
    1;
  return withRetries(
    async () => {
      const response = await context.acs.get(context.url, {
        field: context.field,
        range: { start, end },
        abortSignal: context.abortSignal,
      });
      if (response.status === 416) {
        const total = parseContentRange(response.headers.get("content-range"))?.total;
        // A 416 is an answer only when the size it declares is at or before where we asked to start.
        if (total === undefined || total > start)
          throw new TransferInterruptedError(
            `a 416 for bytes from ${start} declaring ${response.headers.get("content-range") ?? "no size"}`,
          );
        return { response, start, total };
      }
      try {
        if (response.status !== 200 && response.status !== 206)
          throw new AcsHttpError(response.status, "The first ranged GET", "no media body");
        const total = declaredTotal(response);
        if (response.status === 206 && parseContentRange(response.headers.get("content-range"))?.start !== start) {
          throw new TransferInterruptedError(
            `asked for bytes from ${start}, got ${response.headers.get("content-range") ?? "no Content-Range"}`,
          );
        }
        return { response, start, total };
      } catch (error) {
        discardBody(response.body);
        throw error;
      }
    },
    retryOptions(context, "Starting the download"),
  );
}

/** Where to start: after the blocks staged for the one size they were all staged for; else at 0. */
function resumePoint(blockSize: number, staged: Map<string, number>): number {
  const totals = stagedTotals(staged.keys(), blockSize);
  const total = totals.length === 1 ? (totals[0] as number) : 0;
  let index = 0;
  while (blockBounds(index, blockSize, total).start < total && staged.has(blockId(index, blockSize, total))) index += 1;
  const start = blockBounds(index, blockSize, total).start;
  return start < total ? start : Math.max(0, total - 1);
}

function blockIndexAt(offset: number, blockSize: number): number {
  const perRange = blocksPerRange(blockSize);
  const range = Math.floor(offset / blockSize);
  return range * perRange + Math.floor((offset - range * blockSize) / Math.ceil(blockSize / perRange));
}
