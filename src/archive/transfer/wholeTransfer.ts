import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import type { ChunkMessage } from "../../queue/chunkMessage";
import { discardBody } from "../../shared/bodyReading";
import { planRanges, type PlannedBlock } from "./blockPlan";
import type { BufferLease } from "./memoryBudget";
import { committedBefore, mediaBlobMetadata } from "./mediaCommit";
import type { MediaTransferResult, SourceProbe } from "./mediaTransfer";
import { fetchRange } from "./rangeFetch";
import { azureBlobMd5 } from "./sequentialTransfer";
import { withStageRetries, type TransferContext } from "./transferContext";

/** What the one write of a whole chunk carries: the commit's content type and the chunk's identity. */
export interface WholeChunkCommit {
  readonly message: ChunkMessage;
  readonly contentType: string;
  readonly identity: Record<string, string>;
}

/**
 * The fast path for a chunk that fits in one range (the common short audio recording): the first answer already
 * holds every byte, so the bytes are read into the chunk's buffers from the memory budget (all admitted at once),
 * hashed, and written with one Put Blob: `If-None-Match: *` (never overwrites), a transactional Content-MD5
 * (Storage refuses a body that does not match it), content type and metadata in the same request. Put Blob is
 * atomic, so the blob either exists whole with this body or not at all: there is no block list to commit and no
 * size to read back. A body that breaks off is resumed by Range like any range. Returns undefined when the chunk
 * was already committed (by an earlier or concurrent delivery).
 */
export async function storeWhole(
  context: TransferContext,
  probe: SourceProbe,
  commit: WholeChunkCommit,
): Promise<MediaTransferResult | undefined> {
  const { total } = probe;
  let lease: BufferLease;
  try {
    lease = await context.memory.admit(context.memory.buffersFor(total), { abortSignal: context.abortSignal });
  } catch (error) {
    discardBody(probe.response.body);
    throw error;
  }
  const pieces: { data: Buffer; buffer: Buffer }[] = [];
  try {
    const [range] = planRanges(total, context.blockSize);
    if (range) {
      const stage = (_block: PlannedBlock, data: Buffer, buffer: Buffer): void => void pieces.push({ data, buffer });
      const buffers = { acquire: () => lease.acquire(), release: (buffer: Buffer) => lease.release(buffer) };
      await fetchRange(
        { ...context, buffers, isStaged: () => false, total },
        range,
        probe.response,
        stage,
        () => undefined,
      );
    } else {
      discardBody(probe.response.body);
    }
    const sha256 = createHash("sha256");
    const md5 = createHash("md5");
    for (const { data } of pieces) {
      sha256.update(data);
      md5.update(data);
    }
    const media: MediaTransferResult = {
      bytes: total,
      blockIds: [],
      contentSha256: sha256.digest("hex"),
      ...azureBlobMd5(probe.response),
      resumedBlocks: 0,
      mode: "whole",
    };
    const datas = pieces.map((piece) => piece.data);
    const body = datas.length === 1 ? (datas[0] as Buffer) : () => Readable.from(datas, { objectMode: false });
    const transactionalContentMD5 = md5.digest();
    try {
      await withStageRetries(context, "Writing the chunk", (abortSignal) =>
        context.blob.upload(body, total, {
          blobHTTPHeaders: { blobContentType: commit.contentType },
          metadata: mediaBlobMetadata(commit.identity, media),
          conditions: { ifNoneMatch: "*" },
          transactionalContentMD5,
          abortSignal,
        }),
      );
    } catch (error) {
      if (await committedBefore(context.blob, commit.message, total, error, { abortSignal: context.abortSignal }))
        return undefined;
      throw error;
    }
    return media;
  } finally {
    for (const { buffer } of pieces) lease.release(buffer);
    lease.close();
  }
}
