import type { BlobClient, BlockBlobClient } from "@azure/storage-blob";
import { ArchiveConflictError, TransferInterruptedError } from "../errors";
import { storageSignal } from "../storage/storageDeadline";
import type { ByosAccess } from "./byosAccess";

/** Copy Blob From URL copies at most 256 MiB in one request; larger sources go block by block (Put Block From URL). */
const SYNC_COPY_LIMIT = 256 * 1024 * 1024;
const BLOCK_FROM_URL = 100 * 1024 * 1024;
/** A server-side copy of up to 256 MiB (or one 100 MiB block) gets this long before it is abandoned and retried. */
const COPY_CALL_TIMEOUT_MS = 5 * 60_000;

export interface SourceBlob {
  readonly blob: BlobClient;
  readonly bytes: number;
  /** base64 Content-MD5 of the source, when it has one. */
  readonly md5?: string;
  /** The ETag of the version that was catalogued: the copy reads exactly that version or fails. */
  readonly etag?: string;
  readonly contentType?: string;
}

export interface CopyResult {
  readonly blob: string;
  readonly bytes: number;
  /** "md5": length and Content-MD5 match the source's; "length": the source has no MD5 to compare. */
  readonly verified: "md5" | "length";
  readonly alreadyCopied: boolean;
}

/**
 * Copies a BYOS chunk into the archive server-side: Storage reads the source with the app's
 * authorization (Bearer token, or a short read-only SAS in shared-key setups); no byte passes
 * through the function. Never overwrites (`ifNoneMatch: "*"`); verified after the copy.
 */
export async function copyServerSide(
  destination: BlockBlobClient,
  source: SourceBlob,
  access: ByosAccess,
  metadata: Record<string, string>,
): Promise<CopyResult> {
  const existed = await destination.exists({ abortSignal: storageSignal() });
  if (!existed) {
    const { url, authorization } = await access.copySource(source.blob);
    const auth = authorization ? { sourceAuthorization: authorization } : {};
    // A blob replaced since it was looked at is not copied under the catalogued size and MD5 (412, retried afresh).
    const sourceMatch = source.etag ? { sourceConditions: { ifMatch: source.etag } } : {};
    if (source.bytes <= SYNC_COPY_LIMIT) {
      await destination.syncCopyFromURL(url, {
        ...auth,
        ...sourceMatch,
        metadata,
        conditions: { ifNoneMatch: "*" },
        abortSignal: storageSignal(undefined, COPY_CALL_TIMEOUT_MS),
      });
    } else {
      const ids: string[] = [];
      for (let offset = 0, block = 0; offset < source.bytes; offset += BLOCK_FROM_URL, block += 1) {
        const id = Buffer.from(`byos-${String(block).padStart(6, "0")}`).toString("base64");
        await destination.stageBlockFromURL(id, url, offset, Math.min(BLOCK_FROM_URL, source.bytes - offset), {
          ...auth,
          abortSignal: storageSignal(undefined, COPY_CALL_TIMEOUT_MS),
        });
        ids.push(id);
      }
      // Put Block From URL takes no source condition: the blocks are committed only if the source is still that version.
      if (source.etag && (await source.blob.getProperties({ abortSignal: storageSignal() })).etag !== source.etag)
        throw new TransferInterruptedError(
          `the BYOS source of ${destination.name} changed while it was copied; it is copied again.`,
        );
      await destination.commitBlockList(ids, {
        blobHTTPHeaders: {
          ...(source.contentType ? { blobContentType: source.contentType } : {}),
          ...(source.md5 ? { blobContentMD5: Buffer.from(source.md5, "base64") } : {}),
        },
        metadata,
        conditions: { ifNoneMatch: "*" },
        abortSignal: storageSignal(),
      });
    }
  }
  const copied = await destination.getProperties({ abortSignal: storageSignal() });
  if (copied.contentLength !== source.bytes)
    throw new ArchiveConflictError(
      `${destination.name} holds ${copied.contentLength ?? "?"} bytes; the BYOS source has ${source.bytes}.`,
    );
  const copiedMd5 = copied.contentMD5 ? Buffer.from(copied.contentMD5).toString("base64") : undefined;
  if (source.md5 && copiedMd5 && copiedMd5 !== source.md5)
    throw new ArchiveConflictError(
      `${destination.name} has Content-MD5 ${copiedMd5}; the BYOS source has ${source.md5}.`,
    );
  return {
    blob: destination.name,
    bytes: source.bytes,
    verified: source.md5 && copiedMd5 ? "md5" : "length",
    alreadyCopied: existed,
  };
}
