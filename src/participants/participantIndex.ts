import type { ContainerClient } from "@azure/storage-blob";
import type { Log } from "../shared/log";
import { mapConcurrent } from "../shared/mapConcurrent";
import { ensureOnce } from "../storage/ensureOnce";
import { readSmallBlob } from "../storage/smallBlob";
import { storageSignal } from "../storage/storageDeadline";
import { entryName, folderOfEntry, participantPrefix } from "./indexLayout";
import { MAX_METADATA_READ, participantIdsOf } from "./metadataParticipants";
import { participantKey } from "./participantKey";

/** A whole listing (a few pages at most) must finish within this. */
export const LISTING_TIMEOUT_MS = 60_000;
/** Writes to the index in flight at once (per call). */
const INDEX_CONCURRENCY = 4;

/** What one index entry holds: where the recording is. Never a raw participantId. */
export interface IndexEntry {
  readonly version: 1;
  readonly participant: string;
  readonly container: string;
  readonly folder: string;
  readonly indexedAt: string;
  readonly source: "archive" | "reindex" | "byos";
}

/**
 * The participant index: which keyed-hashed participantIds appear in which recording folder.
 * Entries are small JSON blobs in their own container (see indexLayout.ts); writing one again is
 * harmless, so every delivery of a chunk and every reindex run may write them.
 */
export class ParticipantIndex {
  /** Creates the index container once (later calls share the first). */
  readonly ready: () => Promise<void>;

  constructor(
    private readonly index: ContainerClient,
    private readonly indexKey: string,
    readonly recordingsContainer: string,
  ) {
    this.ready = ensureOnce(async () => {
      await index.createIfNotExists({ abortSignal: storageSignal() });
    });
  }

  get containerName(): string {
    return this.index.containerName;
  }

  get container(): ContainerClient {
    return this.index;
  }

  keyOf(participantId: string): string {
    return participantKey(this.indexKey, participantId);
  }

  /** Records that `participantIds` appear in the recording at `folder`; returns how many entries were written. */
  async record(folder: string, participantIds: readonly string[], source: IndexEntry["source"], signal?: AbortSignal): Promise<number> {
    if (participantIds.length === 0) return 0;
    await this.ready();
    const indexedAt = new Date().toISOString();
    const results = await mapConcurrent(participantIds, INDEX_CONCURRENCY, async (id) => {
      const participant = this.keyOf(id);
      const entry: IndexEntry = { version: 1, participant, container: this.recordingsContainer, folder, indexedAt, source };
      const body = JSON.stringify(entry);
      await this.index.getBlockBlobClient(entryName(participant, this.recordingsContainer, folder)).upload(body, Buffer.byteLength(body), {
        blobHTTPHeaders: { blobContentType: "application/json" },
        abortSignal: storageSignal(signal),
      });
    });
    const failed = results.find((result): result is PromiseRejectedResult => result.status === "rejected");
    if (failed) throw failed.reason;
    return participantIds.length;
  }

  /**
   * Reads one archived metadata document and indexes its participants. Returns the number of
   * participants found (0 for a document without any, or one that is not JSON).
   */
  async indexMetadataBlob(
    recordings: ContainerClient,
    metadataBlob: string,
    folder: string,
    source: IndexEntry["source"],
    log: Log,
    signal?: AbortSignal,
  ): Promise<number> {
    const body = await readSmallBlob(recordings.getBlobClient(metadataBlob), MAX_METADATA_READ, signal);
    if (body === undefined) {
      log.warn(`Participant index: ${recordings.containerName}/${metadataBlob} does not exist; nothing indexed for it.`);
      return 0;
    }
    const ids = participantIdsOf(body);
    await this.record(folder, ids, source, signal);
    log.info(`Participant index: ${ids.length} participant(s) of ${folder} indexed (keyed hashes only).`);
    return ids.length;
  }

  /** The recording folders indexed for one keyed hash (one listing). */
  async foldersOf(key: string, signal?: AbortSignal): Promise<string[]> {
    if (!(await this.index.exists({ abortSignal: storageSignal(signal) }))) return [];
    const folders: string[] = [];
    for await (const page of this.index
      .listBlobsFlat({ prefix: participantPrefix(key, this.recordingsContainer), abortSignal: storageSignal(signal, LISTING_TIMEOUT_MS) })
      .byPage({ maxPageSize: 1000 })) {
      for (const blob of page.segment.blobItems) {
        const folder = folderOfEntry(blob.name);
        if (folder) folders.push(folder);
      }
    }
    return folders.sort();
  }

  /** Deletes the entries of `folder` for the given keyed hashes; returns the names deleted. */
  async removeEntries(folder: string, keys: readonly string[], signal?: AbortSignal): Promise<string[]> {
    const names = [...new Set(keys)].map((key) => entryName(key, this.recordingsContainer, folder));
    const results = await mapConcurrent(names, INDEX_CONCURRENCY, async (name) => {
      const response = await this.index.getBlobClient(name).deleteIfExists({ abortSignal: storageSignal(signal) });
      return response.succeeded ? name : undefined;
    });
    const failed = results.find((result): result is PromiseRejectedResult => result.status === "rejected");
    if (failed) throw failed.reason;
    return results.flatMap((result) => (result.status === "fulfilled" && result.value ? [result.value] : []));
  }
}
