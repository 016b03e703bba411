import { chunkBlobNames } from "../layout/blobLayout";
import type { ErasedChunks, ErasureTombstones } from "../catalog/erasureTombstones";
import { describeError, StorageUnavailableError } from "../errors";
import type { ChunkMessage } from "../queue/chunkMessage";
import { mapConcurrent } from "../shared/mapConcurrent";
import type { AbortOptions } from "../shared/cancellation";

/** Tombstone listings in flight per delivery. */
const LISTING_CONCURRENCY = 32;
/** A delivery of several recordings first lists the container's tombstones, up to this many (one listing page). */
const ALL_TOMBSTONES_AT_MOST = 500;

const NONE_ERASED: ErasedChunks = { size: 0, truncated: false, names: [], has: () => false };

/**
 * Splits a delivery's chunk messages into those to queue and those a data-subject erasure removed (a tombstone in
 * their folder): a redelivered event must not bring an erased recording back. A delivery of several recordings first
 * lists every tombstone of the container, which answers for all of them while few chunks were ever erased (one
 * listing instead of one per recording: intake's Storage calls per delivery stay low); otherwise, and for a single
 * recording, one listing per recording folder (a HEAD per chunk only for a folder whose listing hit its bound). Each
 * is bounded by `deadline`. Throws StorageUnavailableError when the tombstones could not be read: nothing is queued
 * unchecked.
 */
export async function withoutErasedChunks(
  messages: readonly ChunkMessage[],
  tombstones: ErasureTombstones,
  { abortSignal: deadline }: AbortOptions = {},
): Promise<{ readonly kept: readonly ChunkMessage[]; readonly erased: readonly ChunkMessage[] }> {
  if (messages.length === 0) return { kept: [], erased: [] };
  const byFolder = new Map<string, ChunkMessage[]>();
  for (const message of messages) {
    const folder = chunkBlobNames(message).folder;
    const chunks = byFolder.get(folder);
    if (chunks) chunks.push(message);
    else byFolder.set(folder, [message]);
  }
  const options = deadline ? { abortSignal: deadline } : {};
  let all: ReadonlyMap<string, ErasedChunks> | undefined;
  if (byFolder.size > 1) {
    try {
      all = await tombstones.allErased(ALL_TOMBSTONES_AT_MOST, options);
    } catch (error) {
      throw new StorageUnavailableError(`Could not read the erasure tombstones: ${describeError(error)}`, {
        cause: error,
      });
    }
  }
  const checked = await mapConcurrent([...byFolder], LISTING_CONCURRENCY, async ([folder, chunks]) => {
    const erasedHere = all ? (all.get(folder) ?? NONE_ERASED) : await tombstones.erasedIn(folder, options);
    if (erasedHere.size === 0 && !erasedHere.truncated) return chunks.map(() => false);
    if (!erasedHere.truncated) return chunks.map((chunk) => erasedHere.has(chunk.documentId));
    const headed = await mapConcurrent(
      chunks,
      LISTING_CONCURRENCY,
      async (chunk) => erasedHere.has(chunk.documentId) || tombstones.isErased(folder, chunk.documentId, options),
    );
    return headed.map((result) => {
      if (result.status === "rejected") throw result.reason;
      return result.value;
    });
  });
  const erased = new Set<ChunkMessage>();
  [...byFolder.values()].forEach((chunks, position) => {
    const result = checked[position];
    if (result?.status !== "fulfilled") {
      const reason: unknown = result?.status === "rejected" ? result.reason : undefined;
      throw new StorageUnavailableError(
        `Could not read the erasure tombstones of a recording: ${describeError(reason)}`,
        { cause: reason },
      );
    }
    chunks.forEach((chunk, at) => result.value[at] && erased.add(chunk));
  });
  // Delivery order kept.
  return {
    kept: messages.filter((message) => !erased.has(message)),
    erased: messages.filter((message) => erased.has(message)),
  };
}
