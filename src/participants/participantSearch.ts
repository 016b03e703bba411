import type { ContainerClient } from "@azure/storage-blob";
import { mapConcurrent } from "../shared/mapConcurrent";
import { readEvidence } from "./chunkEvidence";
import { describeChunk, documentIdOf, listChunk, type ChunkSummary } from "./chunkInventory";
import type { ChunkRef } from "./chunkRef";
import type { KeyRecorder } from "./indexKeyRecord";
import type { EntryPage, ParticipantIndex } from "./participantIndex";
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from "./searchApi";

/** Entries per page when the command line walks every page. */
const CLI_PAGE_SIZE = 200;
const VERIFY_CONCURRENCY = 8;
/** Empty listing pages (Storage may return some, with a marker) read before answering with a token. */
const MAX_EMPTY_PAGES = 3;
/** Flagged chunks named by find (the rest are counted as "more"). */
const MAX_FLAGGED_LISTED = 200;

type SkipReason = "notListed" | "metadataMissing" | "metadataUnreadable" | "unusableEntry";

/** An index entry whose chunk is not reported, and why (never the keyed hash). */
export interface SkippedEntry {
  readonly folder?: string;
  readonly chunk?: string;
  readonly reason: SkipReason;
  readonly detail: string;
}

/** One page of a participant's chunks. */
export interface SearchPage {
  /** Chunks whose own metadata lists the participant, checked just now. */
  readonly chunks: readonly ChunkSummary[];
  readonly skipped: readonly SkippedEntry[];
  /** Recording folders named by entries of an older version (per recording, not per chunk): not searched until `participants reindex`. */
  readonly legacyFolders: readonly string[];
  /** Blob names under the participant's chunks that are unusable as names (dot segments, backslash): refused. */
  readonly unsafeNames: readonly string[];
  /** Present when there are more entries: pass it back for the next page. */
  readonly continuationToken?: string;
}

export interface SearchOptions {
  readonly continuationToken?: string;
  readonly pageSize?: number;
  /** The app records its key fingerprint in an index that has none; the command line never does. */
  readonly recordKey?: KeyRecorder;
  readonly abortSignal?: AbortSignal;
}

/**
 * One page of a participant's archived chunks: one listing page of the participant's index entries, then, for each
 * entry, the chunk's own metadata document read and checked to list the participant (bounded), and the chunk's blobs
 * listed. Memory and time are bounded by the page size, whatever the number of chunks. Refuses
 * (ParticipantIndexKeyError) under a key the index was not built with.
 */
export async function searchParticipant(
  index: ParticipantIndex,
  recordings: ContainerClient,
  participantId: string,
  options: SearchOptions = {},
): Promise<SearchPage> {
  const key = index.keyOf(participantId);
  const signal = options.abortSignal;
  await index.keyCheck.verify({
    ...(options.recordKey ? { record: options.recordKey } : {}),
    ...(signal ? { abortSignal: signal } : {}),
  });
  let marker = options.continuationToken === undefined ? undefined : index.openMarker(key, options.continuationToken);
  const pageSize = Math.max(1, Math.min(options.pageSize ?? DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE));
  let page: EntryPage = { entries: [] };
  for (let tries = 0; tries < MAX_EMPTY_PAGES; tries++) {
    page = await index.entriesPage(key, {
      ...(marker ? { marker } : {}),
      pageSize,
      ...(signal ? { abortSignal: signal } : {}),
    });
    marker = page.marker;
    if (page.entries.length > 0 || !marker) break;
  }
  const chunks: ChunkSummary[] = [];
  const skipped: SkippedEntry[] = [];
  const legacyFolders: string[] = [];
  const unsafeNames: string[] = [];
  const refs: ChunkRef[] = [];
  for (const entry of page.entries) {
    if (entry.kind === "chunk") refs.push(entry.ref);
    else if (entry.kind === "legacy") legacyFolders.push(entry.folder);
    else skipped.push({ reason: "unusableEntry", detail: `an index entry is unusable: ${entry.reason}` });
  }
  // Each chunk's metadata document (up to MAX_METADATA_READ) is dropped as soon as its chunk is described: a page
  // holds summaries, never the documents, so its memory is bounded by VERIFY_CONCURRENCY documents, not by its size.
  const settled = await mapConcurrent(refs, VERIFY_CONCURRENCY, async (ref) => {
    const evidence = await readEvidence(index, recordings, ref, key, signal ? { abortSignal: signal } : {});
    if (evidence.kind !== "listed") return { ref, kind: evidence.kind } as const;
    const listing = await listChunk(recordings, ref, { versions: false, ...(signal ? { abortSignal: signal } : {}) });
    const summary = describeChunk(
      recordings.containerName,
      ref,
      listing,
      documentIdOf(ref, listing.current, evidence.document),
    );
    return { ref, kind: evidence.kind, summary, unsafe: listing.unsafe } as const;
  });
  for (const result of settled) {
    if (result.status === "rejected") throw result.reason;
    const found = result.value;
    if (found.kind === "listed") {
      unsafeNames.push(...found.unsafe);
      chunks.push(found.summary);
    } else skipped.push(skippedOf(found.ref, found.kind));
  }
  return {
    chunks,
    skipped,
    legacyFolders,
    unsafeNames,
    ...(marker ? { continuationToken: index.sealMarker(key, marker) } : {}),
  };
}

function skippedOf(ref: ChunkRef, kind: "notListed" | "missing" | "unreadable" | "listed"): SkippedEntry {
  const at = { folder: ref.folder, chunk: ref.stem };
  if (kind === "missing")
    return {
      ...at,
      reason: "metadataMissing",
      detail: "the chunk's metadata document is gone (erased or never archived); its entry is stale.",
    };
  if (kind === "unreadable")
    return {
      ...at,
      reason: "metadataUnreadable",
      detail: "the chunk's metadata document can no longer be read for participants; check it by hand.",
    };
  return {
    ...at,
    reason: "notListed",
    detail:
      "the chunk's own metadata document does not list this participant: the entry is not evidence, the chunk is not reported.",
  };
}

/** What `participants find` reports: every page, plus the chunks nobody can be found in. */
export interface ParticipantChunks {
  /** The participant as its keyed hash (HMAC-SHA-256 with PARTICIPANT_INDEX_KEY): the command line's receipts name it so. */
  readonly participant: string;
  readonly matched: boolean;
  readonly message: string;
  readonly chunks: readonly ChunkSummary[];
  readonly skipped: readonly SkippedEntry[];
  readonly legacyFolders: readonly string[];
  readonly unsafeNames: readonly string[];
  /** Chunks whose metadata could not be indexed (not JSON, no participant list, too many participants): check by hand. */
  readonly flagged: {
    readonly chunks: readonly { readonly folder: string; readonly stem: string }[];
    readonly more: boolean;
  };
  readonly totals: {
    readonly chunks: number;
    readonly recordings: number;
    readonly blobs: number;
    readonly bytes: number;
  };
}

/** Every chunk of a participant, page after page (the command line; the API pages). */
export async function findParticipant(
  index: ParticipantIndex,
  recordings: ContainerClient,
  participantId: string,
  options: { onPage?: (page: SearchPage) => void } = {},
): Promise<ParticipantChunks> {
  const chunks: ChunkSummary[] = [];
  const skipped: SkippedEntry[] = [];
  const legacyFolders = new Set<string>();
  const unsafeNames = new Set<string>();
  let continuationToken: string | undefined;
  do {
    const page = await searchParticipant(index, recordings, participantId, {
      pageSize: CLI_PAGE_SIZE,
      ...(continuationToken ? { continuationToken } : {}),
    });
    options.onPage?.(page);
    chunks.push(...page.chunks);
    skipped.push(...page.skipped);
    for (const folder of page.legacyFolders) legacyFolders.add(folder);
    for (const name of page.unsafeNames) unsafeNames.add(name);
    continuationToken = page.continuationToken;
  } while (continuationToken);
  const flagged = await index.flagged(MAX_FLAGGED_LISTED);
  return {
    participant: index.keyOf(participantId),
    matched: chunks.length > 0,
    message: searchMessage(chunks.length, legacyFolders.size, flagged.chunks.length),
    chunks,
    skipped,
    legacyFolders: [...legacyFolders],
    unsafeNames: [...unsafeNames],
    flagged: { chunks: flagged.chunks, more: flagged.truncated },
    totals: {
      chunks: chunks.length,
      recordings: new Set(chunks.map((chunk) => chunk.folder)).size,
      blobs: chunks.reduce((sum, chunk) => sum + chunk.files.length, 0),
      bytes: chunks.reduce((sum, chunk) => sum + chunk.bytes, 0),
    },
  };
}

/** The plain sentence about a result: what matched, and what could not be searched. */
export function searchMessage(chunks: number, legacyFolders: number, flagged: number): string {
  const found =
    chunks === 0 ? "No archived chunk lists this participant." : `${chunks} archived chunk(s) list this participant.`;
  const legacy =
    legacyFolders === 0
      ? ""
      : ` ${legacyFolders} index entr${legacyFolders === 1 ? "y" : "ies"} of an older version name whole recordings and were not searched: run "recording-archiver participants reindex".`;
  const unreadable =
    flagged === 0
      ? ""
      : ` ${flagged} chunk(s) could not be indexed (metadata not JSON, no participant list, or too many participants: check them by hand; or archived during a PARTICIPANT_INDEX_KEY rotation: run "recording-archiver participants reindex").`;
  return `${found}${legacy}${unreadable}`;
}
