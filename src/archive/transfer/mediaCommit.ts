import { isRestError } from "@azure/core-rest-pipeline";
import type { BlockBlobClient } from "@azure/storage-blob";
import { storageSignal } from "../../storage/storageDeadline";
import { ArchiveConflictError, TransferInterruptedError } from "../../errors";
import type { ChunkMessage } from "../../queue/chunkMessage";
import type { MediaTransferResult } from "./mediaTransfer";
import { isNotFound } from "../../shared/errorKinds";
import type { AbortOptions } from "../../shared/cancellation";

/** A commit of up to 50,000 block ids gets this long (the SDK's own tries included). */
const COMMIT_TIMEOUT_MS = 60_000;

/**
 * The committed media blob's size when it already holds this chunk, undefined when no blob is
 * committed. A blob holding another document is a conflict: it is never overwritten.
 */
export async function findArchivedMedia(
  blob: BlockBlobClient,
  message: ChunkMessage,
  { abortSignal: signal }: AbortOptions = {},
): Promise<number | undefined> {
  let properties;
  try {
    properties = await blob.getProperties({ abortSignal: storageSignal(signal) });
  } catch (error) {
    if (isNotFound(error)) return undefined;
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
 * Commits the staged blocks once. Only a transfer that proved the whole declared length arrived gets
 * here (sourceSize.ts: the length comes from Content-Length or the Content-Range total, never from a
 * clean close). It commits with content type, the chunk's identity, byte count and SHA-256
 * as metadata, and `ifNoneMatch: "*"` so a committed archive is never overwritten. Returns false when
 * a concurrent delivery committed the same chunk first.
 */
export async function commitMedia(
  blob: BlockBlobClient,
  message: ChunkMessage,
  media: MediaTransferResult,
  contentType: string,
  identity: Record<string, string>,
  { abortSignal: signal }: Required<AbortOptions>,
): Promise<boolean> {
  try {
    await blob.commitBlockList([...media.blockIds], {
      blobHTTPHeaders: { blobContentType: contentType },
      metadata: mediaBlobMetadata(identity, media),
      conditions: { ifNoneMatch: "*" },
      abortSignal: storageSignal(signal, COMMIT_TIMEOUT_MS),
    });
  } catch (error) {
    if (await committedBefore(blob, message, media.bytes, error, { abortSignal: signal })) return false;
    throw error;
  }
  const size = (await blob.getProperties({ abortSignal: storageSignal(signal) })).contentLength;
  if (size !== media.bytes)
    throw new ArchiveConflictError(`${blob.name} holds ${size} bytes after commit; ${media.bytes} were staged.`);
  return true;
}

/** The blob metadata a committed media blob carries: the chunk's identity, its byte count and hashes. */
export function mediaBlobMetadata(
  identity: Record<string, string>,
  media: Pick<MediaTransferResult, "bytes" | "contentSha256" | "sourceContentMd5">,
): Record<string, string> {
  return {
    ...identity,
    bytecount: String(media.bytes),
    ...(media.contentSha256 ? { contentsha256: media.contentSha256 } : {}),
    ...(media.sourceContentMd5 ? { sourcecontentmd5: media.sourceContentMd5 } : {}),
  };
}

/**
 * After a write with `If-None-Match: *` failed: true when it failed because this chunk is already committed there
 * (a concurrent or earlier delivery won), with `bytes` bytes. A blob holding another document is a conflict
 * (ArchiveConflictError); a failed write with no complete blob there is retried (TransferInterruptedError);
 * any other failure is the caller's to throw.
 */
export async function committedBefore(
  blob: BlockBlobClient,
  message: ChunkMessage,
  bytes: number,
  error: unknown,
  { abortSignal: signal }: Required<AbortOptions>,
): Promise<boolean> {
  const status = isRestError(error) ? error.statusCode : undefined;
  const code = isRestError(error) ? error.code : undefined;
  // 409: someone committed it first. InvalidBlockList: a concurrent commit discarded our blocks.
  if (status !== 409 && status !== 412 && code !== "InvalidBlockList") return false;
  if ((await findArchivedMedia(blob, message, { abortSignal: signal })) === bytes) return true;
  throw new TransferInterruptedError(
    `writing ${blob.name} failed (${code ?? status}) and no complete blob is there; the chunk will be retried.`,
    {
      cause: error,
    },
  );
}
