import type { BlobItem, BlobServiceClient, ContainerClient } from "@azure/storage-blob";
import { ErasureTombstones, tombstoneName } from "../catalog/erasureTombstones";
import { describeError } from "../errors";
import type { Log } from "../shared/log";
import { mapConcurrent } from "../shared/mapConcurrent";
import { storageSignal } from "../storage/storageDeadline";
import { eraseWithVersions, type BlobsErased, type ErasureRefusal } from "./blobErasure";
import { eraseByosBlobs, type ByosReach } from "./byosErasure";
import { readEvidence } from "./chunkEvidence";
import { documentIdOf, listChunk, type ChunkListing } from "./chunkInventory";
import { chunkFileKind, chunkIndexOf, chunkPrefix, metadataBlobOf, type ChunkRef } from "./chunkRef";
import { ErasureReceipt, ReceiptWriteError } from "./erasureReceipt";
import type { ParticipantIndex } from "./participantIndex";
import { searchMessage, type SkippedEntry } from "./participantSearch";
import { MAX_PAGE_SIZE } from "./searchApi";
import { eraseRecordingRecords, type ErasedChunk, type RecordingRecordsErasure } from "./recordingRecordsErasure";

/** Chunks erased at once (each one's blobs are deleted a few at a time too). */
const CHUNK_CONCURRENCY = 4;
/** Other participants of a shared chunk named in the report (by keyed-hash prefix); the rest are counted. */
const MAX_OTHERS_NAMED = 20;
/** Flagged chunks (metadata not indexable) counted for the report at most. */
const MAX_FLAGGED_COUNTED = 1_000;
/** Keyed-hash characters shown for the other participants of a shared chunk. */
const OTHER_PREFIX_CHARS = 12;
/**
 * Days after which the archive template's lifecycle rule deletes previous blob versions (versions erase could not
 * delete, e.g. without the deleteBlobVersion right): what the receipt states unless `--version-lifecycle-days` says
 * otherwise. Keep it equal to the template's rule.
 */
export const DEFAULT_VERSION_LIFECYCLE_DAYS = 7;
/** What Blob Storage keeps of a deleted blob when soft delete is on, and what erasure can never reach. */
const NOT_REACHED = [
  "Soft-deleted blobs and versions: recoverable until the account's soft-delete retention ends; Storage cannot purge them earlier.",
  "ACS's own temporary copy of the recording (ACS deletes it at the end of its retention window).",
  "Events already published for these chunks (e.g. RecordingArchiver.RecordingArchived) and whatever their subscribers and dead-letter stores keep.",
  "Platform request logs and telemetry (Functions, App Service front ends, Application Insights, Storage analytics logs).",
  "Earlier exports (participants export) and copies outside the archive account.",
  "Previous versions of bring-your-own-storage blobs older than the one erased (the customer's account and its own rules).",
];

type ChunkOutcome =
  /** Dry run: what --yes would erase. */
  | "wouldErase"
  /** Dry run: shared with other participants; erased only with --include-shared. */
  | "wouldSkipShared"
  | "erased"
  /** Erased in part: see `refused`; the chunk stays indexed, run erase again. */
  | "partlyErased"
  | "skippedShared"
  /** The chunk's own metadata does not list the participant: not theirs; the wrong entry was removed. */
  | "notListed"
  /** No metadata document and nothing else of the chunk left: the stale entry was removed. */
  | "staleEntryRemoved"
  /** Not erased: the metadata cannot be read for participants, or the chunk cannot be identified. */
  | "notErased";

interface ChunkErasure {
  readonly folder: string;
  readonly chunk: string;
  readonly documentId?: string;
  readonly outcome: ChunkOutcome;
  readonly detail?: string;
  /** Blobs of the chunk (current versions) when it was looked at, with their sizes and holds. */
  readonly blobs: readonly {
    readonly name: string;
    readonly bytes: number;
    readonly legalHold?: boolean;
    readonly immutableUntil?: string;
  }[];
  readonly previousVersions: number;
  /** Customer BYOS blobs the chunk's catalogue record names that would be (or were) deleted. */
  readonly byos: readonly string[];
  /** Others in the chunk, by keyed-hash prefix (never a raw id), and how many. */
  readonly otherParticipants?: { readonly count: number; readonly keyedHashPrefixes: readonly string[] };
  readonly deleted: readonly string[];
  readonly versionsDeleted: number;
  readonly refused: readonly ErasureRefusal[];
  readonly tombstone?: string;
  readonly indexEntriesDeleted: number;
}

export interface ErasureReport {
  readonly participant: string;
  readonly dryRun: boolean;
  readonly includeShared: boolean;
  readonly startedAt: string;
  readonly finishedAt: string;
  /** Who ran it, as far as known (operating-system user, credential kind, account). */
  readonly identity: string;
  readonly container: string;
  readonly chunks: readonly ChunkErasure[];
  readonly recordings: readonly RecordingRecordsErasure[];
  readonly skipped: readonly SkippedEntry[];
  readonly legacyFolders: readonly string[];
  readonly unsafeNames: readonly string[];
  /** What may still hold a copy, and until when. */
  readonly residual: Residual;
  readonly message: string;
  /** `<container>/participant-erasures/<date>/<start>-<prefix>/receipt.json` (not for a dry run). */
  readonly receipt?: string;
  /** True only when nothing that erase could reach is left of the participant's chunks. */
  readonly complete: boolean;
  readonly totals: {
    readonly chunks: number;
    readonly erased: number;
    readonly skippedShared: number;
    readonly notErased: number;
    readonly blobsDeleted: number;
    readonly versionsDeleted: number;
    readonly refused: number;
  };
}

interface Residual {
  readonly softDelete: {
    readonly enabled?: boolean;
    readonly days?: number;
    readonly until?: string;
    readonly note: string;
  };
  readonly previousVersions: {
    readonly notDeleted: number;
    readonly lifecycleDays: number;
    readonly until?: string;
    readonly note: string;
  };
  readonly notReached: readonly string[];
}

export interface EraseOptions {
  readonly index: ParticipantIndex;
  readonly recordings: ContainerClient;
  readonly identity: string;
  readonly dryRun: boolean;
  /** Also erase chunks other participants are in (their recordings too): a separate, explicit decision. */
  readonly includeShared?: boolean;
  readonly log: Log;
  /** BYOS recordings: the customer's blobs their catalogue records name (listed accounts only, under rules). */
  readonly byos?: ByosReach;
  /** The archive account's service, to read its soft-delete retention for the receipt. */
  readonly blobService?: BlobServiceClient;
  /** Days after which the account's lifecycle rule deletes previous versions (DEFAULT_VERSION_LIFECYCLE_DAYS). */
  readonly versionLifecycleDays?: number;
  /** The soft-delete retention the deployment states (ARCHIVE_SOFT_DELETE_DAYS), used when the account's cannot be read. */
  readonly softDeleteDays?: number;
  readonly onChunk?: (chunk: ChunkErasure) => void;
}

/**
 * Erases one participant's archived chunks: exactly the chunks whose own metadata document lists the participant,
 * each checked right before it is touched. Per chunk: a tombstone (so no redelivery brings it back), then its media,
 * BYOS catalogue record (and the customer's BYOS blobs, under rules) and metadata document, each with every blob
 * version, then the index entries of everyone in it. A chunk others are also in is erased only with `includeShared`.
 * Then, per recording, the records that concern the erased chunks. A receipt is written step by step as it goes;
 * `complete` is true only when nothing the erasure could reach remains.
 */
export async function eraseParticipant(participantId: string, options: EraseOptions): Promise<ErasureReport> {
  const { index, recordings, log } = options;
  const startedAt = new Date().toISOString();
  const participant = index.keyOf(participantId);
  await index.keyCheck.verify();
  const tombstones = new ErasureTombstones(recordings);
  const receipt = options.dryRun ? undefined : new ErasureReceipt(recordings, participant, startedAt);
  const includeShared = options.includeShared ?? false;
  if (receipt)
    await receipt.step("started", {
      participant,
      startedAt,
      identity: options.identity,
      container: recordings.containerName,
      includeShared,
    });
  const chunks: ChunkErasure[] = [];
  const records: RecordingRecordsErasure[] = [];
  const skipped: SkippedEntry[] = [];
  const legacyFolders = new Set<string>();
  const unsafeNames = new Set<string>();
  const erasedByFolder = new Map<string, ErasedChunk[]>();
  const context: ChunkContext = { ...options, participant, tombstones, receipt, includeShared, unsafeNames };

  const finishFolder = async (folder: string): Promise<void> => {
    const erased = erasedByFolder.get(folder);
    erasedByFolder.delete(folder);
    if (!erased || erased.length === 0 || !receipt) return;
    const result = await eraseRecordingRecords(recordings, tombstones, folder, erased, (ids) =>
      ids.some((id) => index.keyOf(id) === participant),
    );
    records.push(result);
    await receipt.step("recordingRecords", result);
    for (const refusal of result.refused)
      log.error(`Not erased: ${recordings.containerName}/${refusal.blob}: ${refusal.reason}`);
  };

  let marker: string | undefined;
  let openFolder: string | undefined;
  do {
    const page = await index.entriesPage(participant, { ...(marker ? { marker } : {}), pageSize: MAX_PAGE_SIZE });
    marker = page.marker;
    const refs: ChunkRef[] = [];
    const unusable: string[] = [];
    for (const entry of page.entries) {
      if (entry.kind === "chunk") refs.push(entry.ref);
      else if (entry.kind === "legacy") legacyFolders.add(entry.folder);
      else {
        skipped.push({
          reason: "unusableEntry",
          detail: `an index entry is unusable (${entry.reason}); it was removed.`,
        });
        unusable.push(entry.name);
      }
    }
    if (!options.dryRun && unusable.length > 0) await index.removeEntryNames(unusable);
    // A recording's chunks are adjacent in the listing: its records are handled once the listing has moved past it.
    for (const folder of new Set(refs.map((ref) => ref.folder))) {
      if (openFolder !== undefined && folder !== openFolder) await finishFolder(openFolder);
      openFolder = folder;
      const settled = await mapConcurrent(
        refs.filter((ref) => ref.folder === folder),
        CHUNK_CONCURRENCY,
        (ref) => eraseChunkOrReport(ref, context),
      );
      for (const result of settled) {
        if (result.status === "rejected") throw result.reason;
        const chunk = result.value;
        chunks.push(chunk);
        options.onChunk?.(chunk);
        if ((chunk.outcome === "erased" || chunk.outcome === "partlyErased") && chunk.documentId)
          erasedByFolder.set(folder, [
            ...(erasedByFolder.get(folder) ?? []),
            { index: chunkIndexOf({ folder, stem: chunk.chunk }), documentId: chunk.documentId },
          ]);
      }
    }
  } while (marker);
  if (openFolder !== undefined) await finishFolder(openFolder);

  // Chunks nobody can be found in (metadata not indexable) may hold the participant too: said, for an operator.
  const flagged = await index.flagged(MAX_FLAGGED_COUNTED);
  const finishedAt = new Date().toISOString();
  const residual = await residualOf(options, chunks, records, finishedAt);
  const refusedCount =
    chunks.reduce((sum, chunk) => sum + chunk.refused.length, 0) +
    records.reduce((sum, record) => sum + record.refused.length, 0);
  const notErased = chunks.filter((chunk) => chunk.outcome === "notErased" || chunk.outcome === "partlyErased").length;
  const skippedShared = chunks.filter(
    (chunk) => chunk.outcome === "skippedShared" || chunk.outcome === "wouldSkipShared",
  ).length;
  const erasedCount = chunks.filter((chunk) => chunk.outcome === "erased").length;
  const complete =
    !options.dryRun &&
    refusedCount === 0 &&
    notErased === 0 &&
    skippedShared === 0 &&
    legacyFolders.size === 0 &&
    unsafeNames.size === 0 &&
    !skipped.some((entry) => entry.reason === "metadataUnreadable");
  const totals = {
    chunks: chunks.length,
    erased: erasedCount,
    skippedShared,
    notErased,
    blobsDeleted:
      chunks.reduce((sum, chunk) => sum + chunk.deleted.length, 0) +
      records.reduce((sum, record) => sum + record.deleted.length, 0),
    versionsDeleted: chunks.reduce((sum, chunk) => sum + chunk.versionsDeleted, 0),
    refused: refusedCount,
  };
  const report: ErasureReport = {
    participant,
    dryRun: options.dryRun,
    includeShared,
    startedAt,
    finishedAt,
    identity: options.identity,
    container: recordings.containerName,
    chunks,
    recordings: records,
    skipped,
    legacyFolders: [...legacyFolders],
    unsafeNames: [...unsafeNames],
    residual,
    message: eraseMessage(
      chunks.filter((chunk) => chunk.outcome !== "notListed" && chunk.outcome !== "staleEntryRemoved").length,
      legacyFolders.size,
      unsafeNames.size,
      flagged.chunks.length,
    ),
    complete,
    totals,
  };
  if (!receipt) return report;
  const summary = {
    ...report,
    chunks: chunks.filter((chunk) => chunk.outcome !== "erased"),
    erasedChunks: chunks.filter((chunk) => chunk.outcome === "erased").map((chunk) => `${chunk.folder}${chunk.chunk}`),
    receiptSteps: receipt.folder,
  };
  return { ...report, receipt: await receipt.finish(summary) };
}

interface ChunkContext extends EraseOptions {
  readonly participant: string;
  readonly tombstones: ErasureTombstones;
  readonly receipt: ErasureReceipt | undefined;
  readonly includeShared: boolean;
  readonly unsafeNames: Set<string>;
}

/**
 * One chunk; an unexpected failure (Storage unreachable, a deadline) is reported as that chunk's outcome and the
 * erasure goes on with the next. A receipt that cannot be written stops the erasure.
 */
async function eraseChunkOrReport(ref: ChunkRef, context: ChunkContext): Promise<ChunkErasure> {
  try {
    return await eraseChunk(ref, context);
  } catch (error) {
    if (error instanceof ReceiptWriteError) throw error;
    context.log.error(
      `Could not erase chunk ${context.recordings.containerName}/${ref.folder}${ref.stem}: ${describeError(error)}`,
    );
    const failed: ChunkErasure = {
      folder: ref.folder,
      chunk: ref.stem,
      outcome: "notErased",
      detail: `failed: ${describeError(error)}; run erase again.`,
      blobs: [],
      previousVersions: 0,
      byos: [],
      deleted: [],
      versionsDeleted: 0,
      refused: [],
      indexEntriesDeleted: 0,
    };
    return record(failed, context);
  }
}

async function eraseChunk(ref: ChunkRef, context: ChunkContext): Promise<ChunkErasure> {
  const { index, recordings, participant, log } = context;
  const listing = await listChunk(recordings, ref, { versions: true });
  for (const name of listing.unsafe) {
    context.unsafeNames.add(name);
    log.error(
      `Refused a blob name under ${recordings.containerName}/${ref.folder}${ref.stem}: it is not usable as a name (dot segments or a backslash); it was not touched.`,
    );
  }
  const metadata = metadataBlobOf(ref);
  const previousMetadata = listing.current.some((item) => item.name === metadata)
    ? undefined
    : listing.previous
        .filter((item) => item.name === metadata)
        .sort((a, b) => (b.versionId ?? "").localeCompare(a.versionId ?? ""))[0]?.versionId;
  const evidence = await readEvidence(
    index,
    recordings,
    ref,
    participant,
    previousMetadata ? { previousVersion: previousMetadata } : {},
  );
  const documentId = documentIdOf(
    ref,
    [...listing.current, ...listing.previous],
    evidence.kind === "listed" ? evidence.document : undefined,
  );
  const base = describe(ref, listing, documentId);
  const done = (chunk: ChunkErasure): Promise<ChunkErasure> => record(chunk, context);

  if (evidence.kind === "notListed") {
    const removed = context.dryRun ? 0 : (await index.removeEntries(ref, [participant])).deleted.length;
    return done({
      ...base,
      outcome: "notListed",
      detail:
        "the chunk's own metadata does not list this participant: not erased; the entry was not evidence and was removed.",
      indexEntriesDeleted: removed,
    });
  }
  if (evidence.kind === "unreadable")
    return done({
      ...base,
      outcome: "notErased",
      detail: "the chunk's metadata cannot be read for participants: check it by hand.",
    });
  const leftovers = listing.current.length + listing.previous.length > 0;
  const tombstoned = documentId !== undefined && (await context.tombstones.isErased(ref.folder, documentId));
  if (evidence.kind === "missing" && !(tombstoned && leftovers)) {
    if (leftovers)
      return done({
        ...base,
        outcome: "notErased",
        detail: "the chunk has blobs but no metadata document to prove whose it is: not erased; check it by hand.",
      });
    const removed = context.dryRun ? 0 : (await index.removeEntries(ref, [participant])).deleted.length;
    return done({
      ...base,
      outcome: "staleEntryRemoved",
      detail: "nothing of the chunk is left; the stale entry was removed.",
      indexEntriesDeleted: removed,
    });
  }
  // Listed in the chunk's own metadata (or an erasure of it was begun: tombstone, metadata already gone).
  const everyone = evidence.kind === "listed" ? evidence.participants : [participant];
  const others = everyone.filter((key) => key !== participant);
  const shared =
    others.length === 0
      ? {}
      : {
          otherParticipants: {
            count: others.length,
            keyedHashPrefixes: others.slice(0, MAX_OTHERS_NAMED).map((key) => key.slice(0, OTHER_PREFIX_CHARS)),
          },
        };
  if (documentId === undefined)
    return done({
      ...base,
      ...shared,
      outcome: "notErased",
      detail: "the chunk's documentId cannot be determined, so it cannot be tombstoned: not erased.",
    });
  const plan = (): ReturnType<typeof eraseByosBlobs> =>
    eraseByosBlobs(recordings, index, ref, documentId, context.byos, { dryRun: true });
  if (others.length > 0 && !context.includeShared)
    return done({
      ...base,
      ...shared,
      byos: (await plan()).planned,
      outcome: context.dryRun ? "wouldSkipShared" : "skippedShared",
      detail: `${others.length} other participant(s) are in this chunk: erasing it erases their recording too, so it is erased only with --include-shared.`,
    });
  if (context.dryRun) {
    const byos = await plan();
    return done({ ...base, ...shared, byos: byos.planned, outcome: "wouldErase", refused: byos.refused });
  }

  const tombstone = await context.tombstones.record(
    {
      recordingFolder: ref.folder,
      documentId,
      erasedAt: new Date().toISOString(),
      receipt: context.receipt?.folder ?? "",
    },
    { abortSignal: storageSignal(undefined, 30_000) },
  );
  const external = await eraseByosBlobs(recordings, index, ref, documentId, context.byos, { dryRun: false });
  // The catalogue record stays while a BYOS blob it names is left (a later run finds it); the metadata document goes last.
  const names = [...new Set([...listing.current, ...listing.previous].map((item) => item.name))];
  const keepCatalogue = external.refused.length > 0;
  const first = names.filter(
    (name) => name !== metadata && !(keepCatalogue && chunkFileKind(name, ref) === "catalogue"),
  );
  const firstErased = await eraseWithVersions(recordings, first, chunkPrefix(ref));
  const metadataErased: BlobsErased =
    firstErased.refused.length === 0 && names.includes(metadata)
      ? await eraseWithVersions(recordings, [metadata], metadata)
      : { deleted: [], versionsDeleted: [], refused: [] };
  const refused = [
    ...external.refused,
    ...firstErased.refused,
    ...metadataErased.refused,
    ...(names.includes(metadata) && firstErased.refused.length > 0 ? [metadataKept(metadata)] : []),
  ];
  for (const refusal of refused)
    log.error(
      `Not erased: ${/^https?:\/\//.test(refusal.blob) ? refusal.blob : `${recordings.containerName}/${refusal.blob}`}: ${refusal.reason}`,
    );
  let indexEntriesDeleted = 0;
  if (refused.length === 0) {
    const entries = await index.removeEntries(ref, everyone);
    await index.removeFlag(ref);
    refused.push(...entries.refused);
    indexEntriesDeleted = entries.deleted.length;
  }
  return done({
    ...base,
    ...shared,
    byos: external.planned,
    outcome: refused.length === 0 ? "erased" : "partlyErased",
    ...(evidence.kind === "missing"
      ? { detail: "finished an erasure begun earlier (tombstone present, metadata document already gone)." }
      : {}),
    deleted: [...external.deleted, ...firstErased.deleted, ...metadataErased.deleted],
    versionsDeleted:
      external.versionsDeleted.length + firstErased.versionsDeleted.length + metadataErased.versionsDeleted.length,
    refused,
    tombstone: `${recordings.containerName}/${tombstoneName(ref.folder, documentId)}${tombstone ? "" : " (already there)"}`,
    indexEntriesDeleted,
  });
}

/** The metadata document is kept while other blobs of the chunk could not be erased: it is the evidence a later run needs. */
function metadataKept(name: string): ErasureRefusal {
  return {
    blob: name,
    kind: "retained",
    reason: "kept while other blobs of the chunk could not be erased: it is the evidence a later run needs.",
  };
}

function describe(ref: ChunkRef, listing: ChunkListing, documentId: string | undefined): ChunkErasure {
  return {
    folder: ref.folder,
    chunk: ref.stem,
    ...(documentId ? { documentId } : {}),
    outcome: "notErased",
    blobs: listing.current.map(blobOf),
    previousVersions: listing.previous.length,
    byos: [],
    deleted: [],
    versionsDeleted: 0,
    refused: [],
    indexEntriesDeleted: 0,
  };
}

function blobOf(item: BlobItem): ChunkErasure["blobs"][number] {
  return {
    name: item.name,
    bytes: item.properties.contentLength ?? 0,
    ...(item.properties.legalHold ? { legalHold: true } : {}),
    ...(item.properties.immutabilityPolicyExpiresOn
      ? { immutableUntil: item.properties.immutabilityPolicyExpiresOn.toISOString() }
      : {}),
  };
}

/** Reports the chunk, and (not in a dry run) writes its receipt step before the next chunk is touched. */
async function record(chunk: ChunkErasure, context: ChunkContext): Promise<ChunkErasure> {
  if (context.receipt) await context.receipt.step("chunk", chunk);
  return chunk;
}

function eraseMessage(chunks: number, legacyFolders: number, unsafeNames: number, flagged: number): string {
  const unsafe =
    unsafeNames === 0
      ? ""
      : ` ${unsafeNames} blob name(s) under these chunks are not usable as names (dot segments, backslash): refused, left for an operator.`;
  return `${searchMessage(chunks, legacyFolders, flagged)}${unsafe}`;
}

/** The soft-delete window when the account's own setting cannot be read: the deployment's stated one, or a warning. */
function unreadSoftDelete(
  why: string,
  statedDays: number | undefined,
  at: (days: number) => string,
): Residual["softDelete"] {
  if (statedDays === undefined) {
    return {
      note: `The account's soft-delete retention could not be read (${why}): if soft delete is on, deleted blobs and versions stay recoverable for its retention (the azd template: 14 days); erase cannot purge them.`,
    };
  }
  return {
    days: statedDays,
    until: at(statedDays),
    note: `The account's soft-delete retention could not be read (${why}); the deployment states ${statedDays} days (ARCHIVE_SOFT_DELETE_DAYS): deleted blobs and versions stay recoverable until about ${at(statedDays)}. Storage cannot purge soft-deleted data earlier.`,
  };
}

/** What may still hold copies after the erasure, and until when (soft delete, previous versions, what erase never reaches). */
async function residualOf(
  options: EraseOptions,
  chunks: readonly ChunkErasure[],
  records: readonly RecordingRecordsErasure[],
  finishedAt: string,
): Promise<Residual> {
  const lifecycleDays = options.versionLifecycleDays ?? DEFAULT_VERSION_LIFECYCLE_DAYS;
  const at = (days: number): string => new Date(Date.parse(finishedAt) + days * 86_400_000).toISOString();
  let softDelete: Residual["softDelete"];
  try {
    const policy = options.blobService
      ? (await options.blobService.getProperties({ abortSignal: storageSignal() })).deleteRetentionPolicy
      : undefined;
    softDelete =
      policy === undefined
        ? unreadSoftDelete("the service reported none", options.softDeleteDays, at)
        : policy.enabled && policy.days
          ? {
              enabled: true,
              days: policy.days,
              until: at(policy.days),
              note: `Soft delete is on: every blob and version deleted here stays recoverable by the account's administrators for ${policy.days} days, until about ${at(policy.days)}. Storage cannot purge soft-deleted data earlier.`,
            }
          : { enabled: false, note: "Soft delete is off on the archive account: deleted blobs are gone at once." };
  } catch (error) {
    softDelete = unreadSoftDelete(describeError(error), options.softDeleteDays, at);
  }
  const notDeleted = [
    ...chunks.flatMap((chunk) => chunk.refused),
    ...records.flatMap((record) => record.refused),
  ].filter((refusal) => refusal.versionId !== undefined).length;
  const previousVersions: Residual["previousVersions"] = {
    notDeleted,
    lifecycleDays,
    ...(notDeleted > 0 ? { until: at(lifecycleDays + 1) } : {}),
    note:
      notDeleted === 0
        ? "Every previous blob version erase found was deleted by its version id."
        : `${notDeleted} previous version(s) could not be deleted (see refused): the archive template's lifecycle rule deletes a previous version once it is ${lifecycleDays} days old (counted from its creation; the rule runs about daily), i.e. by about ${at(lifecycleDays + 1)} at the latest, if the account has that rule; run erase again with deleteBlobVersion rights (Storage Blob Data Owner) to delete them now.`,
  };
  return { softDelete, previousVersions, notReached: NOT_REACHED };
}
