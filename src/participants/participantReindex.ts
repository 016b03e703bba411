import type { BlobItem, ContainerClient } from "@azure/storage-blob";
import { RECORDINGS_PREFIX } from "../layout/blobLayout";
import type { Log } from "../shared/log";
import { isRecord } from "../shared/untrustedJson";
import { mapConcurrent } from "../shared/mapConcurrent";
import { readSmallBlob } from "../storage/smallBlob";
import { storageSignal } from "../storage/storageDeadline";
import { eraseWithVersions } from "./blobErasure";
import { catalogueUrls } from "./byosErasure";
import { documentIdOf } from "./chunkInventory";
import { CATALOGUE_SUFFIX, METADATA_SUFFIX } from "../layout/blobLayout";
import { chunkRefOfMetadataBlob, type ChunkRef } from "./chunkRef";
import { checkpointName, ENTRIES_PREFIX, parseEntryTail, splitEntryName } from "./indexLayout";
import { blobNameProblem } from "./listedNames";
import type { ParticipantIndex } from "./participantIndex";

const PAGE_SIZE = 500;
const READ_CONCURRENCY = 4;
/** Unusable names named in the report (the rest are counted). */
const MAX_UNSAFE_NAMED = 20;

interface ReindexProgress {
  readonly phase: "index" | "prune";
  readonly scannedBlobs: number;
  readonly metadataDocuments: number;
  readonly entries: number;
  /** Chunks whose metadata could not be (fully) indexed: flagged for an operator. */
  readonly flagged: number;
  /** BYOS catalogue records whose blobs were claimed. */
  readonly byosRecords: number;
  readonly unsafeNames: number;
  /** Entries removed in the prune phase: of an older version (per recording), or keyed with another key. */
  readonly prunedEntries: number;
  readonly pages: number;
}

export interface ReindexReport extends ReindexProgress {
  readonly container: string;
  /** True when the run continued from a checkpoint an earlier, interrupted run left. */
  readonly resumed: boolean;
  /** True when this run rebuilt the index under a new key (`--rotate-key`). */
  readonly rotated: boolean;
  readonly unsafeNamesListed: readonly string[];
  readonly startedAt: string;
  readonly finishedAt: string;
}

interface Checkpoint extends ReindexProgress {
  readonly continuationToken: string;
  readonly rotating: boolean;
  readonly startedAt: string;
  readonly updatedAt: string;
}

export interface ReindexOptions {
  readonly index: ParticipantIndex;
  readonly recordings: ContainerClient;
  readonly log: Log;
  /** Ignore a checkpoint and start from the first blob. */
  readonly restart?: boolean;
  /** Rebuild the index under this key although the index records another one (key rotation). */
  readonly rotateKey?: boolean;
  readonly pageSize?: number;
  readonly onProgress?: (progress: ReindexProgress) => void;
  /** Stop after this many pages (tests: an interrupted run); the checkpoint stays. */
  readonly maxPages?: number;
}

/**
 * Builds the index from what is already archived under `calls/`, in two phases, one listing page at a time with a
 * checkpoint (continuation token, phase and counts) saved in the index container after each page, so an interrupted
 * run resumes:
 * 1. index: every chunk's metadata document is read and its participants indexed per chunk (flagged when it cannot
 *    be); every BYOS catalogue record's blobs are claimed. Names unusable as names are counted and skipped.
 * 2. prune: entries of this archive that an older version wrote per recording, and entries keyed with another key,
 *    are deleted (with their versions). Then the flagged chunks are indexed again (indexFlagged).
 * The key: an index without a key fingerprint gets this key's; an index recorded under another key is refused unless
 * `rotateKey`, which rebuilds under this key and records it between the two phases (before that, find refuses).
 */
export async function reindexParticipants(options: ReindexOptions): Promise<ReindexReport> {
  const { index, recordings, log } = options;
  await index.ready();
  const checkpointBlob = index.container.getBlockBlobClient(checkpointName(recordings.containerName));
  const saved = options.restart ? undefined : await readCheckpoint(index, recordings.containerName);
  if (saved)
    log.info(
      `Reindex resumes from the checkpoint of ${saved.updatedAt} (${saved.phase} phase, ${saved.scannedBlobs} blobs scanned).`,
    );
  const recorded = await index.keyCheck.read();
  const rotating = saved?.rotating ?? (recorded !== undefined && recorded.fingerprint !== index.keyCheck.fingerprint);
  if (!rotating || !options.rotateKey) await index.keyCheck.verify({ record: "reindex" });
  let progress: ReindexProgress = saved ?? {
    phase: "index",
    scannedBlobs: 0,
    metadataDocuments: 0,
    entries: 0,
    flagged: 0,
    byosRecords: 0,
    unsafeNames: 0,
    prunedEntries: 0,
    pages: 0,
  };
  const startedAt = saved?.startedAt ?? new Date().toISOString();
  const unsafeListed: string[] = [];
  let token = saved?.continuationToken;
  let pagesThisRun = 0;
  for (;;) {
    const prune = progress.phase === "prune";
    const pages = (prune ? index.container : recordings)
      .listBlobsFlat({
        prefix: prune ? ENTRIES_PREFIX : RECORDINGS_PREFIX,
        includeMetadata: true,
        abortSignal: storageSignal(undefined, 60_000),
      })
      .byPage({ maxPageSize: options.pageSize ?? PAGE_SIZE, ...(token ? { continuationToken: token } : {}) });
    const page = (await pages.next()).value as
      { continuationToken?: string; segment: { blobItems: BlobItem[] } } | undefined;
    const items = page?.segment.blobItems ?? [];
    progress = prune
      ? await prunePage(index, items, progress)
      : await indexPage(index, recordings, items, progress, log, unsafeListed);
    progress = { ...progress, pages: progress.pages + 1 };
    options.onProgress?.(progress);
    token = page?.continuationToken || undefined;
    pagesThisRun += 1;
    if (!token && !prune) {
      // Every chunk is indexed under this key: from now on it is the index's key.
      if (rotating) await index.keyCheck.replace(recorded);
      progress = { ...progress, phase: "prune" };
    } else if (!token) break;
    const checkpoint: Checkpoint = {
      ...progress,
      continuationToken: token ?? "",
      rotating,
      startedAt,
      updatedAt: new Date().toISOString(),
    };
    const body = JSON.stringify(checkpoint);
    await checkpointBlob.upload(body, Buffer.byteLength(body), {
      blobHTTPHeaders: { blobContentType: "application/json" },
      abortSignal: storageSignal(),
    });
    if (options.maxPages !== undefined && pagesThisRun >= options.maxPages)
      return reportOf(options, progress, saved !== undefined, rotating, unsafeListed, startedAt, "");
  }
  progress = await indexFlagged(index, recordings, progress, log);
  await checkpointBlob.deleteIfExists({ abortSignal: storageSignal() });
  return reportOf(options, progress, saved !== undefined, rotating, unsafeListed, startedAt, new Date().toISOString());
}

function reportOf(
  options: ReindexOptions,
  progress: ReindexProgress,
  resumed: boolean,
  rotated: boolean,
  unsafeNamesListed: readonly string[],
  startedAt: string,
  finishedAt: string,
): ReindexReport {
  return {
    container: options.recordings.containerName,
    resumed,
    rotated,
    unsafeNamesListed,
    startedAt,
    finishedAt,
    ...progress,
  };
}

/** Indexes the metadata documents of one listing page and claims the blobs its BYOS catalogue records name. */
async function indexPage(
  index: ParticipantIndex,
  recordings: ContainerClient,
  items: readonly BlobItem[],
  progress: ReindexProgress,
  log: Log,
  unsafeListed: string[],
): Promise<ReindexProgress> {
  const unsafe = items.filter((item) => blobNameProblem(item.name) !== undefined);
  for (const item of unsafe) if (unsafeListed.length < MAX_UNSAFE_NAMED) unsafeListed.push(item.name);
  if (unsafe.length > 0)
    log.warn(
      `Reindex: ${unsafe.length} blob name(s) on this page are not usable as names (dot segments, backslash); skipped.`,
    );
  const documents: { ref: ChunkRef; item: BlobItem }[] = [];
  const catalogues: ChunkRef[] = [];
  for (const item of items) {
    if (blobNameProblem(item.name) !== undefined) continue;
    const ref = chunkRefOfMetadataBlob(item.name);
    if (ref) documents.push({ ref, item });
    else if (item.name.endsWith(CATALOGUE_SUFFIX)) {
      const catalogued = chunkRefOfMetadataBlob(`${item.name.slice(0, -CATALOGUE_SUFFIX.length)}${METADATA_SUFFIX}`);
      if (catalogued) catalogues.push(catalogued);
    }
  }
  const outcomes = await mapConcurrent(documents, READ_CONCURRENCY, async ({ ref, item }) => {
    const documentId = documentIdOf(ref, [item]);
    return index.indexChunk(recordings, ref, {
      source: "reindex",
      log,
      keyChecked: true,
      ...(documentId ? { documentId } : {}),
    });
  });
  const claims = await mapConcurrent(catalogues, READ_CONCURRENCY, async (ref) =>
    index.claimByosLocations(ref, await catalogueUrls(recordings, ref)),
  );
  const failed = [...outcomes, ...claims].find(
    (result): result is PromiseRejectedResult => result.status === "rejected",
  );
  if (failed) throw failed.reason;
  const done = outcomes.flatMap((result) => (result.status === "fulfilled" ? [result.value] : []));
  return {
    ...progress,
    scannedBlobs: progress.scannedBlobs + items.length,
    metadataDocuments: progress.metadataDocuments + documents.length,
    entries:
      progress.entries +
      done.reduce((sum, outcome) => sum + (outcome.kind === "indexed" ? outcome.participants : 0), 0),
    flagged:
      progress.flagged +
      done.filter((outcome) => outcome.kind === "flagged" || (outcome.kind === "indexed" && outcome.overflow > 0))
        .length,
    byosRecords: progress.byosRecords + catalogues.length,
    unsafeNames: progress.unsafeNames + unsafe.length,
  };
}

/**
 * Last, under the key now recorded: every flagged chunk is indexed again, and its flag removed when that worked. A chunk
 * the app archived while the index recorded another key (during a rotation, possibly behind this run's listing) is
 * flagged `keyMismatch` and would otherwise stay out of the index; the other flags come back when still true.
 */
async function indexFlagged(
  index: ParticipantIndex,
  recordings: ContainerClient,
  progress: ReindexProgress,
  log: Log,
): Promise<ReindexProgress> {
  let marker: string | undefined;
  let entries = progress.entries;
  do {
    const page = await index.flaggedPage(marker, PAGE_SIZE);
    marker = page.marker;
    const outcomes = await mapConcurrent(page.chunks, READ_CONCURRENCY, async (ref) => {
      const outcome = await index.indexChunk(recordings, ref, { source: "reindex", log, keyChecked: true });
      if (outcome.kind === "missing" || (outcome.kind === "indexed" && outcome.overflow === 0))
        await index.removeFlag(ref);
      return outcome;
    });
    for (const result of outcomes) {
      if (result.status === "rejected") throw result.reason;
      if (result.value.kind === "indexed") entries += result.value.participants;
    }
  } while (marker);
  return { ...progress, entries };
}

/** Deletes this archive's entries of an older version (per recording) and entries keyed with another key. */
async function prunePage(
  index: ParticipantIndex,
  items: readonly BlobItem[],
  progress: ReindexProgress,
): Promise<ReindexProgress> {
  const tag = index.keyCheck.entryTag;
  const stale = items.filter((item) => {
    const parts = splitEntryName(item.name);
    if (!parts || parts.container !== index.recordingsContainer) return false;
    const entry = parseEntryTail(parts.tail);
    if (entry.kind !== "chunk") return true;
    const written = item.metadata?.["keyfingerprint"];
    return written !== undefined && written !== tag;
  });
  const removed = await mapConcurrent(stale, READ_CONCURRENCY, (item) =>
    eraseWithVersions(index.container, [item.name], item.name),
  );
  const failed = removed.find((result): result is PromiseRejectedResult => result.status === "rejected");
  if (failed) throw failed.reason;
  return { ...progress, prunedEntries: progress.prunedEntries + stale.length };
}

async function readCheckpoint(index: ParticipantIndex, recordingsContainer: string): Promise<Checkpoint | undefined> {
  const body = await readSmallBlob(index.container.getBlobClient(checkpointName(recordingsContainer)), 64 * 1024);
  if (!body) return undefined;
  try {
    const parsed: unknown = JSON.parse(body.toString("utf8"));
    if (
      isRecord(parsed) &&
      typeof parsed["continuationToken"] === "string" &&
      typeof parsed["startedAt"] === "string"
    ) {
      // A checkpoint of an older version has no phase: it was indexing.
      return {
        flagged: 0,
        byosRecords: 0,
        unsafeNames: 0,
        prunedEntries: 0,
        rotating: false,
        ...(parsed as object),
        phase: parsed["phase"] === "prune" ? "prune" : "index",
      } as Checkpoint;
    }
  } catch {
    // An unreadable checkpoint means starting over: indexing again is harmless.
  }
  return undefined;
}
