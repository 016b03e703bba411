import type { ContainerClient } from "@azure/storage-blob";
import type { AcsRecordingClient } from "../acs/acsRecordingClient";
import { AcsHttpError, describeError } from "../errors";
import { CHUNK_ANOMALIES } from "../queue/chunkAnomalies";
import type { ChunkMessage } from "../queue/chunkMessage";
import type { Log } from "../shared/log";
import { storageSignal } from "../storage/storageDeadline";
import { withRetries, type RetryPolicy } from "./retryPolicy";
import { isNotFound } from "../shared/errorKinds";
import type { AbortOptions } from "../shared/cancellation";

/** What this invocation knows about the archived chunk: where it is, its size, and its SHA-256 when computed. */
export interface ArchivedCopy {
  readonly media: string;
  readonly metadata: string;
  readonly bytes: number;
  readonly contentSha256?: string;
}

/**
 * DELETE_AFTER_ARCHIVE: removes the ACS copy through the chunk's deleteLocation, only once the committed
 * blobs have been read back and match (archiveProblem). A delete that still fails after retries is
 * logged, not raised: the archive is safe and ACS deletes the file at the end of its retention anyway.
 */
export async function deleteFromAcs(
  acs: AcsRecordingClient,
  container: ContainerClient,
  message: ChunkMessage,
  archived: ArchivedCopy,
  log: Log,
  retry: RetryPolicy,
  { abortSignal: signal }: Required<AbortOptions>,
): Promise<boolean> {
  if (!message.deleteLocation) {
    const refused = message.anomalies?.filter((code) => code.startsWith("deleteLocation")) ?? [];
    if (refused.length > 0) {
      log.warn(
        `Chunk ${message.chunkKey}: its deleteLocation was not usable (${refused.map((code) => CHUNK_ANOMALIES[code]).join("; ")}); its ACS copy is left to expire.`,
      );
    } else {
      log.info(`Chunk ${message.chunkKey} has no deleteLocation; its ACS copy is left to expire.`);
    }
    return false;
  }
  const problem = await archiveProblem(container, message, archived, { abortSignal: signal }).catch(
    (error: unknown) => `could not be read back (${describeError(error)})`,
  );
  if (problem) {
    log.warn(`Chunk ${message.chunkKey}: the archive ${problem}; its ACS copy is kept.`);
    return false;
  }
  const url = message.deleteLocation;
  try {
    // DELETE is idempotent (404 means done), so transient failures are simply retried.
    await withRetries(() => acs.delete(url, { field: "deleteLocation", abortSignal: signal }), {
      policy: retry,
      deadlinePassed: () => true,
      abortSignal: signal,
    });
    log.info(`Deleted the ACS copy of chunk ${message.chunkKey}.`);
    return true;
  } catch (error) {
    if (error instanceof AcsHttpError && error.statusCode === 404) return true;
    log.warn(`Could not delete the ACS copy of chunk ${message.chunkKey}: ${describeError(error)}`);
    return false;
  }
}

/**
 * Why the committed archive cannot be trusted yet, or undefined when it can: the media blob's
 * properties, read back now, must name this document and hold exactly the bytes archived (size and
 * the byte count stored at commit), with the stored SHA-256 equal to the one computed; the metadata
 * blob must exist and hold the byte count stored with it. `exists()` proves none of this.
 */
async function archiveProblem(
  container: ContainerClient,
  message: ChunkMessage,
  archived: ArchivedCopy,
  { abortSignal: signal }: Required<AbortOptions>,
): Promise<string | undefined> {
  const media = await properties(container, archived.media, { abortSignal: signal });
  if (!media) return `media blob ${archived.media} is missing`;
  const stored = media.metadata ?? {};
  if (stored["documentid"] !== message.documentId)
    return `media blob names document ${stored["documentid"] ?? "(none)"}`;
  if (media.contentLength !== archived.bytes || stored["bytecount"] !== String(archived.bytes)) {
    return `media blob holds ${media.contentLength ?? "?"} bytes (declared ${stored["bytecount"] ?? "none"}); ${archived.bytes} were archived`;
  }
  if (archived.contentSha256 !== undefined && stored["contentsha256"] !== archived.contentSha256)
    return `media blob's stored SHA-256 does not match the one computed`;
  const metadata = await properties(container, archived.metadata, { abortSignal: signal });
  if (!metadata) return `metadata blob ${archived.metadata} is missing`;
  if (
    metadata.metadata?.["bytecount"] !== undefined &&
    metadata.metadata["bytecount"] !== String(metadata.contentLength)
  )
    return `metadata blob holds ${metadata.contentLength ?? "?"} bytes, not ${metadata.metadata["bytecount"]}`;
  return undefined;
}

async function properties(
  container: ContainerClient,
  name: string,
  { abortSignal: signal }: Required<AbortOptions>,
): Promise<{ contentLength?: number; metadata?: Record<string, string> } | undefined> {
  try {
    return await container.getBlockBlobClient(name).getProperties({ abortSignal: storageSignal(signal) });
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}
