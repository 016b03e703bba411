import type { ContainerClient } from "@azure/storage-blob";
import { listWithMetadata } from "../catalog/boundedReads";
import type { Log } from "../shared/log";
import { mapConcurrent } from "../shared/mapConcurrent";
import { ensureOnce } from "../storage/ensureOnce";
import { readSmallBlob } from "../storage/smallBlob";
import { storageSignal } from "../storage/storageDeadline";
import { eraseWithVersions, type BlobsErased } from "./blobErasure";
import { chunkRefProblem, metadataBlobOf, type ChunkRef } from "./chunkRef";
import { openMarker, sealMarker } from "./continuationToken";
import {
  byosClaimName,
  byosLocationPrefix,
  entryName,
  flaggedPrefix,
  flagName,
  parseEntryTail,
  participantPrefix,
  type ParsedEntry,
} from "./indexLayout";
import { IndexKeyCheck, type KeyRecorder } from "./indexKeyRecord";
import { exactBlobClient } from "./listedNames";
import { MAX_METADATA_READ } from "../layout/metadataDocument";
import { MAX_PARTICIPANTS_PER_DOCUMENT, readParticipants } from "./metadataParticipants";
import { participantKey } from "./participantKey";
import { isNotFound } from "../shared/errorKinds";
import type { AbortOptions } from "../shared/cancellation";

/** A whole listing (a few pages at most) must finish within this. */
const LISTING_TIMEOUT_MS = 60_000;
/** Writes to the index in flight at once (per chunk). */
const INDEX_CONCURRENCY = 4;
/** Index entries listed per page at most (the API's page size is smaller). */
const MAX_ENTRY_PAGE = 1_000;
/** Recordings naming one BYOS blob that are looked at: one is normal, two already mean "never delete it automatically". */
const MAX_CLAIMS_LISTED = 50;

/** What one index entry holds: where the chunk is. Never a raw participantId. */
interface IndexEntry {
  readonly version: 2;
  readonly participant: string;
  readonly container: string;
  readonly folder: string;
  readonly chunk: string;
  readonly documentId?: string;
  readonly indexedAt: string;
  readonly source: "archive" | "reindex";
}

/**
 * Why a chunk's metadata could not be indexed (fully): flagged for an operator (`flagged/` in the index). `keyMismatch`:
 * archived while the index recorded another PARTICIPANT_INDEX_KEY (a key rotation under way); `participants reindex`
 * indexes such chunks once the new key is recorded, and removes the flag.
 */
export type FlagProblem = "invalidJson" | "noParticipantList" | "tooManyParticipants" | "keyMismatch";

/** What indexing one chunk did. */
export type IndexOutcome =
  | { readonly kind: "indexed"; readonly participants: number; readonly overflow: number }
  | { readonly kind: "flagged"; readonly problem: FlagProblem }
  | { readonly kind: "missing" };

/** One page of a participant's entries, in name order (a recording's chunks are adjacent). */
export interface EntryPage {
  readonly entries: readonly (ParsedEntry & { readonly name: string })[];
  /** Storage's marker for the next page (never handed out as it is: see continuationToken.ts). */
  readonly marker?: string;
}

/**
 * The participant index: which keyed-hashed participantIds appear in which archived chunk (see indexLayout.ts).
 * Entries are written from each chunk's own archived metadata document (never from a recording folder as a whole),
 * under one PARTICIPANT_INDEX_KEY whose fingerprint the index records (indexKeyRecord.ts). Writing an entry again is
 * harmless, so every delivery of a chunk and every reindex run may write them.
 */
export class ParticipantIndex {
  /** Creates the index container once (later calls share the first). */
  readonly ready: () => Promise<void>;
  readonly keyCheck: IndexKeyCheck;

  constructor(
    private readonly index: ContainerClient,
    private readonly indexKey: string,
    readonly recordingsContainer: string,
  ) {
    this.ready = ensureOnce(async () => {
      await index.createIfNotExists({ abortSignal: storageSignal() });
    });
    this.keyCheck = new IndexKeyCheck(index, recordingsContainer, indexKey);
  }

  get containerName(): string {
    return this.index.containerName;
  }

  get container(): ContainerClient {
    return this.index;
  }

  /** The keyed hash of a participantId (normalised first). */
  keyOf(participantId: string): string {
    return participantKey(this.indexKey, participantId);
  }

  /** A continuation token for the listing of `key`'s entries after `marker` (continuationToken.ts). */
  sealMarker(key: string, marker: string): string {
    return sealMarker(this.indexKey, `${this.recordingsContainer}\n${key}`, marker);
  }

  /** The marker inside a token issued for `key`; InvalidContinuationTokenError otherwise. */
  openMarker(key: string, token: string): string {
    return openMarker(this.indexKey, `${this.recordingsContainer}\n${key}`, token);
  }

  /**
   * Reads one chunk's archived metadata document and indexes its participants: one entry per participant naming
   * this chunk. A document that is not JSON, names no participant list, or lists more participants than are
   * indexed is flagged for an operator instead of being silently left out. Refuses (ParticipantIndexKeyError) when
   * the index is keyed with another key; `recordKey` records this key when the index has none yet.
   * `committedDocument`: the archive step's own write of that blob (the bytes it has just committed, never replaced:
   * `If-None-Match: *`), indexed without reading the blob back; anything else is read from the archive.
   */
  async indexChunk(
    recordings: ContainerClient,
    ref: ChunkRef,
    options: {
      source: IndexEntry["source"];
      log: Log;
      documentId?: string;
      recordKey?: KeyRecorder;
      keyChecked?: boolean;
      committedDocument?: Buffer;
      abortSignal?: AbortSignal;
    },
  ): Promise<IndexOutcome> {
    const problem = chunkRefProblem(ref);
    if (problem) throw new Error(`Participant index: ${problem}.`);
    await this.ready();
    // Reindex checks (or rotates) the key once, before its first page.
    if (!options.keyChecked)
      await this.keyCheck.verify({
        ...(options.recordKey ? { record: options.recordKey } : {}),
        ...(options.abortSignal ? { abortSignal: options.abortSignal } : {}),
      });
    const metadata = metadataBlobOf(ref);
    const body =
      options.committedDocument ??
      (await readSmallBlob(exactBlobClient(recordings, metadata, ref.folder), MAX_METADATA_READ, {
        abortSignal: options.abortSignal,
      }));
    if (body === undefined) {
      options.log.warn(
        `Participant index: ${recordings.containerName}/${metadata} does not exist; nothing indexed for it.`,
      );
      return { kind: "missing" };
    }
    const participants = readParticipants(body);
    if (participants.kind !== "listed") {
      await this.flag(ref, participants.kind, {});
      options.log.warn(
        `Participant index: ${recordings.containerName}/${metadata} ${participants.kind === "invalidJson" ? "is not JSON" : "has no participant list"}; flagged for an operator (participants find lists it).`,
      );
      return { kind: "flagged", problem: participants.kind };
    }
    await this.writeEntries(
      ref,
      participants.ids.map((id) => this.keyOf(id)),
      options.source,
      options.documentId,
      { abortSignal: options.abortSignal },
    );
    if (participants.overflow > 0) {
      await this.flag(ref, "tooManyParticipants", {
        indexed: participants.ids.length,
        notIndexed: participants.overflow,
      });
      options.log.warn(
        `Participant index: ${recordings.containerName}/${metadata} lists more than ${MAX_PARTICIPANTS_PER_DOCUMENT} participants; ${participants.overflow} not indexed, flagged for an operator.`,
      );
    }
    options.log.info(
      `Participant index: ${participants.ids.length} participant(s) of ${recordings.containerName}/${metadata} indexed (keyed hashes only).`,
    );
    return { kind: "indexed", participants: participants.ids.length, overflow: participants.overflow };
  }

  private async writeEntries(
    ref: ChunkRef,
    keys: readonly string[],
    source: IndexEntry["source"],
    documentId: string | undefined,
    { abortSignal: signal }: AbortOptions = {},
  ): Promise<void> {
    const indexedAt = new Date().toISOString();
    const stem = ref.stem;
    const results = await mapConcurrent(keys, INDEX_CONCURRENCY, async (participant) => {
      const entry: IndexEntry = {
        version: 2,
        participant,
        container: this.recordingsContainer,
        folder: ref.folder,
        chunk: stem,
        ...(documentId ? { documentId } : {}),
        indexedAt,
        source,
      };
      const body = JSON.stringify(entry);
      await this.index
        .getBlockBlobClient(entryName(participant, this.recordingsContainer, ref))
        .upload(body, Buffer.byteLength(body), {
          blobHTTPHeaders: { blobContentType: "application/json" },
          metadata: { keyfingerprint: this.keyCheck.entryTag },
          abortSignal: storageSignal(signal),
        });
    });
    const failed = results.find((result): result is PromiseRejectedResult => result.status === "rejected");
    if (failed) throw failed.reason;
  }

  /** One page of a participant's entries (`marker` from the previous page). */
  async entriesPage(
    key: string,
    options: { marker?: string; pageSize: number; abortSignal?: AbortSignal },
  ): Promise<EntryPage> {
    const prefix = participantPrefix(key, this.recordingsContainer);
    try {
      const page = await this.index
        .listBlobsFlat({ prefix, abortSignal: storageSignal(options.abortSignal, LISTING_TIMEOUT_MS) })
        .byPage({
          maxPageSize: Math.min(options.pageSize, MAX_ENTRY_PAGE),
          ...(options.marker ? { continuationToken: options.marker } : {}),
        })
        .next();
      if (page.done) return { entries: [] };
      const marker = page.value.continuationToken || undefined;
      return {
        entries: page.value.segment.blobItems.map((item) => ({
          name: item.name,
          ...parseEntryTail(item.name.slice(prefix.length)),
        })),
        ...(marker ? { marker } : {}),
      };
    } catch (error) {
      if (isNotFound(error)) return { entries: [] };
      throw error;
    }
  }

  /** Removes the entries of `ref` for these keyed hashes, with every version of them. */
  async removeEntries(
    ref: ChunkRef,
    keys: readonly string[],
    { abortSignal: signal }: AbortOptions = {},
  ): Promise<BlobsErased> {
    const names = [...new Set(keys)].map((key) => entryName(key, this.recordingsContainer, ref));
    const results = await mapConcurrent(names, INDEX_CONCURRENCY, (name) =>
      eraseWithVersions(this.index, [name], name, { abortSignal: signal }),
    );
    return mergeErased(results);
  }

  /** Removes entries by name (stale or unusable ones of one participant), with every version. */
  async removeEntryNames(names: readonly string[], { abortSignal: signal }: AbortOptions = {}): Promise<BlobsErased> {
    const results = await mapConcurrent([...new Set(names)], INDEX_CONCURRENCY, (name) =>
      eraseWithVersions(this.index, [name], name, { abortSignal: signal }),
    );
    return mergeErased(results);
  }

  async flag(ref: ChunkRef, problem: FlagProblem, details: Record<string, number>): Promise<void> {
    await this.ready();
    const body = JSON.stringify({
      version: 1,
      container: this.recordingsContainer,
      folder: ref.folder,
      chunk: ref.stem,
      problem,
      ...details,
      flaggedAt: new Date().toISOString(),
    });
    await this.index.getBlockBlobClient(flagName(this.recordingsContainer, ref)).upload(body, Buffer.byteLength(body), {
      blobHTTPHeaders: { blobContentType: "application/json" },
      abortSignal: storageSignal(),
    });
  }

  /** One listing page of this archive's flagged chunks (`marker` from the previous page). */
  async flaggedPage(marker: string | undefined, pageSize: number): Promise<{ chunks: ChunkRef[]; marker?: string }> {
    const prefix = flaggedPrefix(this.recordingsContainer);
    const page = await this.index
      .listBlobsFlat({ prefix, abortSignal: storageSignal(undefined, LISTING_TIMEOUT_MS) })
      .byPage({ maxPageSize: pageSize, ...(marker ? { continuationToken: marker } : {}) })
      .next();
    if (page.done) return { chunks: [] };
    const chunks = page.value.segment.blobItems.flatMap((item) => {
      const parsed = parseEntryTail(item.name.slice(prefix.length));
      return parsed.kind === "chunk" ? [parsed.ref] : [];
    });
    return { chunks, ...(page.value.continuationToken ? { marker: page.value.continuationToken } : {}) };
  }

  /** Flagged chunks of this archive (at most `max` named; `truncated` when there are more). */
  async flagged(
    max: number,
  ): Promise<{ chunks: { folder: string; stem: string; problem?: string }[]; truncated: boolean }> {
    const prefix = flaggedPrefix(this.recordingsContainer);
    const { blobs, truncated } = await listWithMetadata(this.index, prefix, max);
    const chunks = blobs.flatMap((blob) => {
      const parsed = parseEntryTail(blob.name.slice(prefix.length));
      return parsed.kind === "chunk" ? [{ folder: parsed.ref.folder, stem: parsed.ref.stem }] : [];
    });
    return { chunks, truncated };
  }

  async removeFlag(ref: ChunkRef, { abortSignal: signal }: AbortOptions = {}): Promise<BlobsErased> {
    const name = flagName(this.recordingsContainer, ref);
    return eraseWithVersions(this.index, [name], name, { abortSignal: signal });
  }

  /** Records that the catalogue record of `ref` names these BYOS blobs. */
  async claimByosLocations(
    ref: ChunkRef,
    urls: readonly string[],
    { abortSignal: signal }: AbortOptions = {},
  ): Promise<void> {
    await this.ready();
    for (const url of new Set(urls)) {
      const body = JSON.stringify({
        version: 1,
        container: this.recordingsContainer,
        folder: ref.folder,
        chunk: ref.stem,
      });
      await this.index
        .getBlockBlobClient(byosClaimName(url, this.recordingsContainer, ref))
        .upload(body, Buffer.byteLength(body), {
          blobHTTPHeaders: { blobContentType: "application/json" },
          abortSignal: storageSignal(signal),
        });
    }
  }

  /** Every claim on one BYOS blob (its names), at most MAX_CLAIMS_LISTED. */
  async byosClaims(url: string): Promise<string[]> {
    const { blobs } = await listWithMetadata(this.index, byosLocationPrefix(url), MAX_CLAIMS_LISTED);
    return blobs.map((blob) => blob.name);
  }

  claimName(url: string, ref: ChunkRef): string {
    return byosClaimName(url, this.recordingsContainer, ref);
  }
}

function mergeErased(results: readonly PromiseSettledResult<BlobsErased>[]): BlobsErased {
  const failed = results.find((result): result is PromiseRejectedResult => result.status === "rejected");
  if (failed) throw failed.reason;
  const done = results.flatMap((result) => (result.status === "fulfilled" ? [result.value] : []));
  return {
    deleted: done.flatMap((result) => result.deleted),
    versionsDeleted: done.flatMap((result) => result.versionsDeleted),
    refused: done.flatMap((result) => result.refused),
  };
}
