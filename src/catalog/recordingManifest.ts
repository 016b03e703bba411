import type { ContainerClient } from "@azure/storage-blob";
import { StorageUnavailableError } from "../errors";
import { safeUrl } from "../acs/acsRecordingClient";
import { manifestName } from "../layout/blobLayout";
import { mapConcurrent } from "../shared/mapConcurrent";
import { isRecord } from "../shared/untrustedJson";
import { inSpan } from "../telemetry/spans";
import { completeChunks, readRecordingFolder, type ArchivedChunkBlobs } from "./archivedChunks";
import { readSmallBlob } from "../storage/smallBlob";
import { blobSha256, readJsonBlob, writeJsonOnce } from "./boundedReads";
import { participantIdsOf } from "../layout/metadataDocument";
import type { RecordingInfo } from "./recordingInfo";
import { QueuedChunks } from "./queuedChunks";
import { chunkNameKey } from "../layout/catalogLayout";
import type { ChunkAnomaly } from "../queue/chunkAnomalies";
import type { ErasedChunks } from "./erasureTombstones";
import { anomaliesWithTrace, intakeTraceOf, type IntakeTrace, type RecordingTraces } from "./intakeTraces";

const MANIFEST_SCHEMA_VERSION = 1;
/** Metadata documents are a few KiB; the archiver refuses any over 8 MiB. */
const MAX_METADATA_BYTES = 8 * 1024 * 1024;
const MAX_MANIFEST_BYTES = 16 * 1024 * 1024;

/**
 * Where a chunk's media lives: a blob in the recordings container (`store: "archive"`), or a blob in the
 * customer's own account that ACS wrote (`store: "byos"`, catalogued in place, never read by the app).
 */
type ManifestMedia = ArchiveMedia | ByosMedia;

interface ArchiveMedia {
  readonly store: "archive";
  /** `<container>/<blob name>`. */
  readonly blob: string;
  readonly bytes: number;
  /** SHA-256 (hex) of the archived bytes. */
  readonly sha256: string;
  /** `blobMetadata`: computed while downloading, kept in the blob's metadata; `archiveRead`: computed from the archived blob. */
  readonly sha256Source: "blobMetadata" | "archiveRead";
  readonly contentType: string;
}

interface ByosMedia {
  readonly store: "byos";
  /** The media blob in the customer's account (no query string). */
  readonly url: string;
  /** `<container>/<name>` of the catalogue record (`….byos.json`) that describes it. */
  readonly record: string;
  readonly bytes: number;
  /** Not computed: the app never reads BYOS media. `contentMD5` (base64) is Storage's, when the blob has one. */
  readonly sha256: null;
  readonly contentMD5?: string;
  readonly contentType: string;
}

/** A catalogue record is a few KiB. */
const MAX_BYOS_RECORD_BYTES = 64 * 1024;

interface ManifestChunk {
  readonly index: number;
  readonly documentId: string;
  readonly media: ManifestMedia;
  readonly metadata: { readonly blob: string; readonly bytes: number };
  /**
   * How the chunk joined the recording's folder (intakeTraces.ts): `announced` by the recording's first event, or —
   * archived all the same, but to be treated with care — `laterEvent`, `otherResource`, `none`. Absent when the
   * recording has no first trace (archived before intake kept one).
   */
  readonly intakeTrace?: IntakeTrace;
  /**
   * What was odd about the chunk and did not stop it being archived (src/queue/chunkAnomalies.ts): the codes intake
   * recorded, plus `unannounced` when `intakeTrace` is not `announced`. Absent when nothing.
   */
  readonly anomalies?: readonly ChunkAnomaly[];
}

/** The manifest entry of a chunk whose media is in the archive container. */
export type ArchiveManifestChunk = ManifestChunk & { readonly media: ArchiveMedia };

/** `manifest.json` in a recording's folder: the one "this recording is archived, here is everything" record. */
export interface RecordingManifest extends Omit<RecordingInfo, "chunkCount"> {
  readonly schemaVersion: typeof MANIFEST_SCHEMA_VERSION;
  readonly chunkCount: number;
  readonly chunks: readonly ManifestChunk[];
  /** Distinct participant ids of all chunks' metadata documents (personal data: see docs/data-subject-requests.md). */
  readonly participantIds: readonly string[];
  /** Chunks of the recording's first trace that a data-subject erasure removed (absent when none). */
  readonly erasedChunks?: readonly { readonly index: number; readonly documentId: string }[];
  readonly completedAt: string;
}

/** What the manifest step knows besides the folder's listing. */
export interface ManifestInputs {
  /** The chunks the recording's first trace (expected.json) names; undefined = no trace, the count decides. */
  readonly expected: readonly { readonly index: number; readonly documentId: string }[] | undefined;
  /** Chunks a data-subject erasure removed: never in a manifest, never waited for. */
  readonly erased: Pick<ErasedChunks, "has" | "size">;
  /** The recording's traces (later events, marks); read only when a manifest is written. */
  readonly traces: () => Promise<RecordingTraces>;
}

/** A manifest written now, or found written before. */
export interface ManifestWritten {
  readonly status: "written" | "existing";
  readonly manifest: RecordingManifest;
  readonly blob: string;
  readonly url: string;
  readonly equivalent: boolean;
  /** Chunks the (existing) manifest names that were erased since: it is stale and is not published. */
  readonly erasedSince: number;
}

export type ManifestResult =
  | { readonly status: "incomplete"; readonly archived: number; readonly expected: number }
  /** Every chunk of the recording was erased: it is not complete and gets no manifest. */
  | { readonly status: "erased"; readonly erased: number }
  | ManifestWritten;

/**
 * Writes a recording's manifest when, and only when, storage holds every chunk (media and metadata
 * committed): completion is decided from a listing of the folder, never from memory, so whichever
 * instance archives the last chunk (in whatever order) writes it. `If-None-Match: *` makes the write
 * happen once: a concurrent writer's 409 means the manifest exists, which is read back and compared.
 * The chunks of intake's first trace decide completion when known (otherwise the count does); erased chunks are
 * neither waited for nor listed, and a recording whose chunks are all erased gets none. Chunks a later event added
 * are listed when archived, each with its `intakeTrace` mark.
 */
export async function writeManifestIfComplete(
  container: ContainerClient,
  folder: string,
  info: RecordingInfo,
  inputs: ManifestInputs,
  now: () => Date,
): Promise<ManifestResult> {
  const name = manifestName(folder);
  const { erased } = inputs;
  const contents = await inSpan("Storage list recording", { "archiver.chunk.count": info.chunkCount }, () =>
    readRecordingFolder(container, folder),
  );
  const complete = completeChunks(contents).filter((chunk) => !erased.has(chunk.documentId));
  const expected = inputs.expected
    ? new Set(inputs.expected.filter((chunk) => !erased.has(chunk.documentId)).map((chunk) => chunk.documentId))
    : undefined;
  const firstTraced = expected ? complete.filter((chunk) => expected.has(chunk.documentId)) : complete;
  const allErased = erased.size > 0 && (expected ? expected.size === 0 : complete.length === 0);
  if (allErased) return { status: "erased", erased: erased.size };
  const isComplete = expected
    ? firstTraced.length === expected.size
    : new Set(firstTraced.map((chunk) => chunk.index)).size >= info.chunkCount - erased.size;
  if (!contents.manifestExists && !isComplete)
    return { status: "incomplete", archived: firstTraced.length, expected: info.chunkCount };
  if (contents.manifestExists) {
    const existing = await readManifest(container, name);
    // Written before (by another chunk, another delivery or the CLI): it stands as written.
    if (existing)
      return {
        status: "existing",
        manifest: existing,
        blob: `${container.containerName}/${name}`,
        url: safeUrl(container.getBlockBlobClient(name).url),
        equivalent: true,
        erasedSince: erasedIn(existing, erased),
      };
  }
  const traces = await inputs.traces();
  // Chunks a later event added, archived by now: listed (and marked) too; chunks no trace names are not.
  const later = new Set(traces.later.flatMap((trace) => trace.chunks.map((chunk) => chunk.documentId)));
  const chosen = expected
    ? complete.filter((chunk) => expected.has(chunk.documentId) || later.has(chunk.documentId))
    : complete;
  const erasedChunks = (inputs.expected ?? [])
    .filter((chunk) => erased.has(chunk.documentId))
    .map(({ index, documentId }) => ({ index, documentId }));
  const manifest = await buildManifest(container, info, chosen, traces, erasedChunks, now(), folder);
  return writeManifestOnce(container, name, manifest, () => Promise.resolve(erased));
}

/**
 * The manifest of a recording of one chunk, which the caller has just archived (media and metadata committed by
 * this invocation, as intake's first trace lists it, no later trace naming another chunk, the chunk not erased):
 * built from what the archiver holds, without listing the folder or reading the metadata back. It says what the
 * listing would: the blobs, sizes and SHA-256 committed with the media, the chunk's `intakeTrace` mark, and the
 * participants of the metadata document as stored. `erased` is listed only when a manifest is found there already.
 */
export async function writeSingleChunkManifest(
  container: ContainerClient,
  folder: string,
  info: RecordingInfo,
  chunk: ArchiveManifestChunk,
  metadataDocument: Buffer,
  erased: () => Promise<Pick<ErasedChunks, "has">>,
  now: () => Date,
): Promise<ManifestWritten> {
  return writeManifestOnce(
    container,
    manifestName(folder),
    manifestOf(info, [chunk], participantIdsOf(metadataDocument), [], now()),
    erased,
  );
}

/**
 * Writes a manifest once (`If-None-Match: *`); when one is there already it stands, and is compared with ours
 * (`erased`: the recording's tombstones, to tell whether the one there names a chunk erased since).
 */
async function writeManifestOnce(
  container: ContainerClient,
  name: string,
  manifest: RecordingManifest,
  erased: () => Promise<Pick<ErasedChunks, "has">>,
): Promise<ManifestWritten> {
  const url = safeUrl(container.getBlockBlobClient(name).url);
  const blob = `${container.containerName}/${name}`;
  const text = JSON.stringify(manifest, null, 2);
  const written = await inSpan("Storage write manifest", { "archiver.chunk.count": manifest.chunks.length }, () =>
    writeJsonOnce(container, name, text, {
      schemaversion: String(MANIFEST_SCHEMA_VERSION),
      chunkcount: String(manifest.chunks.length),
    }),
  );
  if (!written) {
    // Someone else wrote it first (a concurrent "last" chunk): theirs stands, and it should say the same.
    const existing = await readManifest(container, name);
    if (!existing) throw new StorageUnavailableError(`${name} exists but could not be read back as a manifest.`);
    return {
      status: "existing",
      manifest: existing,
      blob,
      url,
      equivalent: sameChunks(existing.chunks, manifest.chunks),
      erasedSince: erasedIn(existing, await erased()),
    };
  }
  return { status: "written", manifest, blob, url, equivalent: true, erasedSince: 0 };
}

/** How many of a manifest's chunks were erased since it was written. */
function erasedIn(manifest: RecordingManifest, erased: Pick<ErasedChunks, "has">): number {
  return manifest.chunks.filter((chunk) => erased.has(chunk.documentId)).length;
}

async function buildManifest(
  container: ContainerClient,
  info: RecordingInfo,
  chunks: readonly ArchivedChunkBlobs[],
  traces: RecordingTraces,
  erasedChunks: readonly { index: number; documentId: string }[],
  completedAt: Date,
  folder: string,
): Promise<RecordingManifest> {
  const [chunkEntries, anomalies] = await Promise.all([
    describeChunks(container, chunks),
    new QueuedChunks(container).anomaliesOf(folder),
  ]);
  const described = chunkEntries.map((chunk, position) => {
    const intakeTrace = intakeTraceOf(chunk.documentId, chunks[position]?.acsResource ?? null, traces);
    const odd = anomaliesWithTrace(anomalies.get(chunkNameKey(chunk.index, chunk.documentId)), intakeTrace);
    return { ...chunk, ...(intakeTrace ? { intakeTrace } : {}), ...(odd.length > 0 ? { anomalies: odd } : {}) };
  });
  const documents = await mapConcurrent(chunks, 8, (chunk) =>
    readSmallBlob(container.getBlobClient(chunk.metadata?.name ?? ""), MAX_METADATA_BYTES),
  );
  const participants = new Set<string>();
  for (const document of documents) {
    if (document.status === "rejected") throw document.reason;
    if (document.value) for (const id of participantIdsOf(document.value)) participants.add(id);
  }
  return manifestOf(info, described, [...participants], erasedChunks, completedAt);
}

function manifestOf(
  info: RecordingInfo,
  chunks: readonly ManifestChunk[],
  participantIds: readonly string[],
  erasedChunks: readonly { index: number; documentId: string }[],
  completedAt: Date,
): RecordingManifest {
  const { chunkCount: _count, ...identity } = info;
  return {
    schemaVersion: MANIFEST_SCHEMA_VERSION,
    ...identity,
    chunkCount: chunks.length,
    chunks,
    participantIds: [...new Set(participantIds)].sort(),
    ...(erasedChunks.length > 0 ? { erasedChunks } : {}),
    completedAt: completedAt.toISOString(),
  };
}

/** The manifest entries of complete chunks; a SHA-256 the blob's metadata lacks (a resumed transfer) is computed from the archived blob. */
async function describeChunks(
  container: ContainerClient,
  chunks: readonly ArchivedChunkBlobs[],
): Promise<ManifestChunk[]> {
  const at = (name: string): string => `${container.containerName}/${name}`;
  const settled = await mapConcurrent(chunks, 4, async (chunk): Promise<ManifestChunk> => {
    const media = chunk.media as NonNullable<ArchivedChunkBlobs["media"]>;
    const metadata = chunk.metadata as NonNullable<ArchivedChunkBlobs["metadata"]>;
    if (media.store === "byos") {
      return {
        index: chunk.index,
        documentId: chunk.documentId,
        media: await byosMedia(container, media),
        metadata: { blob: at(metadata.name), bytes: metadata.bytes },
      };
    }
    const sha256 =
      media.sha256 ??
      (await inSpan("Storage read for SHA-256", { "archiver.bytes": media.bytes }, () =>
        blobSha256(container, media.name, media.bytes),
      ));
    return {
      index: chunk.index,
      documentId: chunk.documentId,
      media: {
        store: "archive",
        blob: at(media.name),
        bytes: media.bytes,
        sha256,
        sha256Source: media.sha256 ? "blobMetadata" : "archiveRead",
        contentType: media.contentType,
      },
      metadata: { blob: at(metadata.name), bytes: metadata.bytes },
    };
  });
  return settled.map((result) => {
    if (result.status === "rejected") throw result.reason;
    return result.value;
  });
}

/** The manifest entry of a catalogued BYOS chunk, from its catalogue record (src/byos/byosArchiver.ts). */
async function byosMedia(
  container: ContainerClient,
  media: NonNullable<ArchivedChunkBlobs["media"]>,
): Promise<ByosMedia> {
  const record = await readJsonBlob(container, media.name, MAX_BYOS_RECORD_BYTES);
  const described = isRecord(record) && isRecord(record["media"]) ? record["media"] : {};
  const url = typeof described["url"] === "string" ? described["url"] : "";
  if (url === "") throw new Error(`The catalogue record ${media.name} names no media URL.`);
  return {
    store: "byos",
    url,
    record: `${container.containerName}/${media.name}`,
    bytes: media.bytes,
    sha256: null,
    ...(typeof described["contentMD5"] === "string" ? { contentMD5: described["contentMD5"] } : {}),
    contentType: typeof described["contentType"] === "string" ? described["contentType"] : media.contentType,
  };
}

/** Two manifests describe the same archive when their chunks match (completedAt may differ). */
function sameChunks(a: readonly ManifestChunk[], b: readonly ManifestChunk[]): boolean {
  const key = (chunk: ManifestChunk): string =>
    JSON.stringify([
      chunk.index,
      chunk.documentId,
      chunk.media.store === "byos" ? chunk.media.url : chunk.media.blob,
      chunk.media.bytes,
      chunk.media.sha256,
      chunk.metadata.blob,
      chunk.metadata.bytes,
    ]);
  return a.length === b.length && a.map(key).sort().join("\n") === b.map(key).sort().join("\n");
}

/** Reads a manifest back; undefined when absent or not one. */
export async function readManifest(container: ContainerClient, name: string): Promise<RecordingManifest | undefined> {
  const parsed = await readJsonBlob(container, name, MAX_MANIFEST_BYTES);
  if (!isRecord(parsed) || parsed["schemaVersion"] !== MANIFEST_SCHEMA_VERSION || !Array.isArray(parsed["chunks"]))
    return undefined;
  return parsed as unknown as RecordingManifest;
}

/** The manifest as RecordingArchived carries it: every field but the raw participant ids, which become a count. */
export function manifestForEvent(
  manifest: RecordingManifest,
): Omit<RecordingManifest, "participantIds"> & { readonly participantCount: number } {
  const { participantIds, ...rest } = manifest;
  return { ...rest, participantCount: participantIds.length };
}
