import type { ContainerClient } from "@azure/storage-blob";
import type { AcsRecordingClient } from "../acs/acsRecordingClient";
import { describeError } from "../errors";
import type { ChunkMessage } from "../events/chunkMessage";
import type { Log } from "../shared/log";
import { withRetries, type RetryPolicy } from "./retryPolicy";

/**
 * DELETE_AFTER_ARCHIVE: removes the ACS copy through the chunk's deleteLocation, only once both the
 * media and the metadata blobs are committed. A delete that still fails after retries is logged, not
 * raised: the archive is safe and ACS deletes the file at the end of its retention window anyway.
 */
export async function deleteFromAcs(
  acs: AcsRecordingClient,
  container: ContainerClient,
  message: ChunkMessage,
  names: { media: string; metadata: string },
  signal: AbortSignal,
  log: Log,
  retry: RetryPolicy,
): Promise<boolean> {
  if (!message.deleteLocation) {
    log.info(`Chunk ${message.chunkKey} has no deleteLocation; its ACS copy is left to expire.`);
    return false;
  }
  const [media, metadata] = await Promise.all([container.getBlockBlobClient(names.media).exists({ abortSignal: signal }), container.getBlockBlobClient(names.metadata).exists({ abortSignal: signal })]);
  if (!media || !metadata) {
    log.warn(`Chunk ${message.chunkKey} is not fully archived; its ACS copy is kept.`);
    return false;
  }
  const url = message.deleteLocation;
  try {
    // DELETE is idempotent (404 means done), so transient failures are simply retried.
    await withRetries(() => acs.delete(url, { field: "deleteLocation", abortSignal: signal }), { policy: retry, deadlinePassed: () => true, signal });
    log.info(`Deleted the ACS copy of chunk ${message.chunkKey}.`);
    return true;
  } catch (error) {
    if ((error as { status?: number }).status === 404) return true;
    log.warn(`Could not delete the ACS copy of chunk ${message.chunkKey}: ${describeError(error)}`);
    return false;
  }
}
