import type { ContainerClient } from "@azure/storage-blob";
import { callFolder, OPERATIONAL_PREFIXES, pathSegment, RECORDINGS_PREFIX } from "../layout/blobLayout";
import { storageSignal } from "../storage/storageDeadline";
import { isRecord } from "../shared/untrustedJson";
import { listWithMetadata, readJsonBlob, writeJsonOnce } from "./boundedReads";

/**
 * Erasure tombstones: `archive-erasures/<call>/<recording>/<documentId, escaped>.json`, one per chunk a data-subject
 * erasure removed. They make an erasure last: intake, the archive job, the poison rescue, `replay`, `archive --event`
 * and the deadline watch look here before bringing a chunk back, and the status API reports the chunk `erased`.
 * A tombstone names the chunk by its documentId and recording folder only (never a participant id) and is written once
 * (`If-None-Match: *`), so it also stands in a container under a WORM policy. Nothing ever deletes one.
 *
 * A recording's folder is named from event fields (call id, recording start, recording id), so an event that names the
 * same chunk with another start time — forged, edited for `archive --event`, or a later event of ACS — would put the
 * erased document into another folder. Each erasure therefore also writes `archive-erasures/~documents/<documentId,
 * escaped>.json` (no escaped call id starts with `~d`), and a chunk is erased when either tombstone exists.
 */
const TOMBSTONES_PREFIX = OPERATIONAL_PREFIXES.erased;
const DOCUMENTS_FOLDER = `${TOMBSTONES_PREFIX}~documents/`;

/** Erased chunks of one recording folder are at most its chunks (1,000 per event); the listing stops there. */
const MAX_TOMBSTONES_PER_FOLDER = 2_000;

/** What a tombstone holds: enough for an operator to find the erasure that wrote it. */
export interface ErasureTombstone {
  readonly schemaVersion: 1;
  readonly recordingFolder: string;
  readonly documentId: string;
  readonly erasedAt: string;
  /** The chunk's index in its recording, when the erasure knew it (the status API reports erased chunks by index). */
  readonly index?: number;
  /** The erasure receipt's blob name (`participant-erasures/...`), which names the participant only by keyed hash. */
  readonly receipt: string;
}

/** `calls/<call>/<recording>/` -> `archive-erasures/<call>/<recording>/`. */
function tombstoneFolder(recordingFolder: string): string {
  return `${TOMBSTONES_PREFIX}${recordingFolder.slice(RECORDINGS_PREFIX.length)}`;
}

/** `archive-erasures/<call>/`: the tombstone folders of every recording of one call (the status API lists it). */
export function tombstoneCallFolder(call: string): string {
  return `${TOMBSTONES_PREFIX}${callFolder(call).slice(RECORDINGS_PREFIX.length)}`;
}

/** `archive-erasures/<call>/<recording>/` -> `calls/<call>/<recording>/` (undefined for other names). */
export function recordingFolderOfTombstones(prefix: string): string | undefined {
  const match = /^([^/]+)\/([^/]+)\/$/.exec(
    prefix.startsWith(TOMBSTONES_PREFIX) ? prefix.slice(TOMBSTONES_PREFIX.length) : "",
  );
  return match ? `${RECORDINGS_PREFIX}${match[1]}/${match[2]}/` : undefined;
}

/** The tombstone of one chunk: the recording's folder mirrored under `archive-erasures/`, then the escaped documentId. */
export function tombstoneName(recordingFolder: string, documentId: string): string {
  return `${tombstoneFolder(recordingFolder)}${pathSegment(documentId)}.json`;
}

/** The document-wide tombstone of one erased chunk: whatever folder an event names the document in, it stays erased. */
export function documentTombstoneName(documentId: string): string {
  return `${DOCUMENTS_FOLDER}${pathSegment(documentId)}.json`;
}

/** The documentIds (as escaped name segments) erased in one folder; `has` takes the raw documentId. */
export interface ErasedChunks {
  readonly size: number;
  /** True when the listing stopped at its bound: treat unknown chunks of this folder with care. */
  readonly truncated: boolean;
  /** The tombstones' blob names (to read a tombstone's documentId and index where nothing else names the chunk). */
  readonly names: readonly string[];
  has(documentId: string): boolean;
}

/** The erased chunks of one folder from its tombstones' names (`prefix` = the folder's tombstone folder). */
function erasedChunksOf(prefix: string, names: readonly string[], truncated: boolean): ErasedChunks {
  const segments = new Set(
    names.map((name) => name.slice(prefix.length)).filter((rest) => !rest.includes("/") && rest.endsWith(".json")),
  );
  return {
    size: segments.size,
    truncated,
    names: [...segments].map((segment) => `${prefix}${segment}`),
    has: (documentId) => segments.has(`${pathSegment(documentId)}.json`),
  };
}

/** Tombstones are a few hundred bytes. */
const MAX_TOMBSTONE_BYTES = 16 * 1024;

export class ErasureTombstones {
  constructor(private readonly container: ContainerClient) {}

  /** Writes the chunk's tombstone and its document-wide one; false when the folder's was already there (a repeated erasure). */
  async record(
    tombstone: Omit<ErasureTombstone, "schemaVersion">,
    options: { abortSignal?: AbortSignal } = {},
  ): Promise<boolean> {
    const body = JSON.stringify({ schemaVersion: 1, ...tombstone } satisfies ErasureTombstone);
    const written = await writeJsonOnce(
      this.container,
      tombstoneName(tombstone.recordingFolder, tombstone.documentId),
      body,
      undefined,
      {
        abortSignal: options.abortSignal,
      },
    );
    await writeJsonOnce(this.container, documentTombstoneName(tombstone.documentId), body, undefined, {
      abortSignal: options.abortSignal,
    });
    return written;
  }

  /**
   * Whether this chunk was erased: its tombstone in this folder (a HEAD), or else its document-wide tombstone (a read,
   * side by side with the HEAD: one round trip of waiting) — the same document erased in another folder. In that case
   * the folder's own tombstone is written too, so that this folder's status, deadline watch and manifest (which list
   * the folder's tombstones) say `erased` as well.
   */
  async isErased(
    recordingFolder: string,
    documentId: string,
    options: { abortSignal?: AbortSignal } = {},
  ): Promise<boolean> {
    const signal = { abortSignal: storageSignal(options.abortSignal) };
    const documentWide = readJsonBlob(this.container, documentTombstoneName(documentId), MAX_TOMBSTONE_BYTES, {
      abortSignal: options.abortSignal,
    });
    // Awaited below, or dropped when the folder's own tombstone answers first (its failure then matters to nobody).
    documentWide.catch(() => undefined);
    if (await this.container.getBlobClient(tombstoneName(recordingFolder, documentId)).exists(signal)) return true;
    const elsewhere = await documentWide;
    if (!isRecord(elsewhere) || elsewhere["documentId"] !== documentId) return false;
    const here: ErasureTombstone = {
      schemaVersion: 1,
      recordingFolder,
      documentId,
      erasedAt: typeof elsewhere["erasedAt"] === "string" ? elsewhere["erasedAt"] : new Date().toISOString(),
      receipt: typeof elsewhere["receipt"] === "string" ? elsewhere["receipt"] : "",
    };
    await writeJsonOnce(this.container, tombstoneName(recordingFolder, documentId), JSON.stringify(here), undefined, {
      abortSignal: options.abortSignal,
    });
    return true;
  }

  /**
   * One HEAD: whether this folder holds the chunk's own tombstone, as the folder's listing (`erasedIn`, which the
   * manifest step reads) would show it. A chunk's delivery (`isErased`) adds it when only the document-wide one exists.
   */
  hasFolderTombstone(
    recordingFolder: string,
    documentId: string,
    options: { abortSignal?: AbortSignal } = {},
  ): Promise<boolean> {
    return this.container
      .getBlobClient(tombstoneName(recordingFolder, documentId))
      .exists({ abortSignal: storageSignal(options.abortSignal) });
  }

  /** One bounded listing: every erased chunk of a recording folder (for callers that check many chunks of it). */
  async erasedIn(recordingFolder: string, options: { abortSignal?: AbortSignal } = {}): Promise<ErasedChunks> {
    const prefix = tombstoneFolder(recordingFolder);
    const { blobs, truncated } = await listWithMetadata(this.container, prefix, MAX_TOMBSTONES_PER_FOLDER, {
      abortSignal: options.abortSignal,
    });
    return erasedChunksOf(
      prefix,
      blobs.map((blob) => blob.name),
      truncated,
    );
  }

  /**
   * Every tombstone of the container, per recording folder, when there are at most `max` of them (one listing of that
   * many names); undefined when there are more. For a caller that checks many recordings at once (intake): while few
   * chunks were ever erased, one listing answers for all of them — the same point-in-time answer as a listing per folder.
   */
  async allErased(
    max: number,
    options: { abortSignal?: AbortSignal } = {},
  ): Promise<ReadonlyMap<string, ErasedChunks> | undefined> {
    const { blobs, truncated } = await listWithMetadata(this.container, TOMBSTONES_PREFIX, max, {
      abortSignal: options.abortSignal,
    });
    if (truncated) return undefined;
    const byFolder = new Map<string, string[]>();
    for (const { name } of blobs) {
      const folder = recordingFolderOfTombstones(name.slice(0, name.lastIndexOf("/") + 1));
      if (folder === undefined) continue;
      const names = byFolder.get(folder);
      if (names) names.push(name);
      else byFolder.set(folder, [name]);
    }
    return new Map(
      [...byFolder].map(([folder, names]) => [folder, erasedChunksOf(tombstoneFolder(folder), names, false)]),
    );
  }

  /** A tombstone's body; undefined when absent or not one (its name must still match its documentId and folder). */
  async read(name: string): Promise<ErasureTombstone | undefined> {
    const body = await readJsonBlob(this.container, name, MAX_TOMBSTONE_BYTES);
    if (!isRecord(body) || typeof body["documentId"] !== "string" || typeof body["recordingFolder"] !== "string")
      return undefined;
    if (tombstoneName(body["recordingFolder"], body["documentId"]) !== name) return undefined;
    const index = body["index"];
    return {
      schemaVersion: 1,
      recordingFolder: body["recordingFolder"],
      documentId: body["documentId"],
      erasedAt: typeof body["erasedAt"] === "string" ? body["erasedAt"] : "",
      ...(typeof index === "number" && Number.isSafeInteger(index) && index >= 0 ? { index } : {}),
      receipt: typeof body["receipt"] === "string" ? body["receipt"] : "",
    };
  }
}
