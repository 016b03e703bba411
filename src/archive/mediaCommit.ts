import type { BlockBlobClient } from "@azure/storage-blob";
import { ArchiveConflictError, TransferInterruptedError } from "../errors";
import type { ChunkMessage } from "../events/chunkMessage";
import type { MediaTransferResult } from "./mediaTransfer";

/**
 * The committed media blob's size when it already holds this chunk, undefined when no blob is
 * committed. A blob holding another document is a conflict: it is never overwritten.
 */
export async function findArchivedMedia(blob: BlockBlobClient, message: ChunkMessage, signal: AbortSignal): Promise<number | undefined> {
  let properties;
  try {
    properties = await blob.getProperties({ abortSignal: signal });
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return undefined;
    throw error;
  }
  const size = properties.contentLength ?? -1;
  const documentId = properties.metadata?.["documentid"];
  const declared = properties.metadata?.["bytecount"];
  if (documentId !== message.documentId || declared !== String(size)) {
    throw new ArchiveConflictError(
      `${blob.name} already exists with document ${documentId ?? "(none)"} and ${size} bytes (declared ${declared ?? "none"}); it is not overwritten.`,
    );
  }
  return size;
}

/**
 * Commits the staged blocks once, with content type, the chunk's identity, byte count and SHA-256
 * as metadata, and `ifNoneMatch: "*"` so a committed archive is never overwritten. Returns false when
 * a concurrent delivery committed the same chunk first.
 */
export async function commitMedia(
  blob: BlockBlobClient,
  message: ChunkMessage,
  media: MediaTransferResult,
  contentType: string,
  identity: Record<string, string>,
  signal: AbortSignal,
): Promise<boolean> {
  try {
    await blob.commitBlockList([...media.blockIds], {
      blobHTTPHeaders: { blobContentType: contentType },
      metadata: {
        ...identity,
        bytecount: String(media.bytes),
        ...(media.contentSha256 ? { contentsha256: media.contentSha256 } : {}),
        ...(media.sourceContentMd5 ? { sourcecontentmd5: media.sourceContentMd5 } : {}),
      },
      conditions: { ifNoneMatch: "*" },
      abortSignal: signal,
    });
  } catch (error) {
    const status = (error as { statusCode?: number }).statusCode;
    const code = (error as { code?: string }).code;
    // 409: someone committed it first. InvalidBlockList: a concurrent commit discarded our blocks.
    if (status === 409 || status === 412 || code === "InvalidBlockList") {
      if ((await findArchivedMedia(blob, message, signal)) === media.bytes) return false;
      throw new TransferInterruptedError(`committing ${blob.name} failed (${code ?? status}) and no complete blob is there; the chunk will be retried.`, { cause: error });
    }
    throw error;
  }
  const size = (await blob.getProperties({ abortSignal: signal })).contentLength;
  if (size !== media.bytes) throw new ArchiveConflictError(`${blob.name} holds ${size} bytes after commit; ${media.bytes} were staged.`);
  return true;
}
