import type { ContainerClient } from "@azure/storage-blob";
import { OPERATIONAL_PREFIXES, pathSegment, RECORDINGS_PREFIX } from "../archive/blobLayout";
import { storageSignal } from "../storage/storageDeadline";
import { listWithMetadata, writeJsonOnce } from "./boundedReads";

/**
 * Erasure tombstones: `archive-erasures/<call>/<recording>/<documentId, escaped>.json`, one per chunk a data-subject
 * erasure removed. They make an erasure last: intake, the archive job, the poison rescue, `replay`, `archive --event`
 * and the deadline watch look here before bringing a chunk back, and the status API reports the chunk `erased`.
 * A tombstone names the chunk by its documentId and recording folder only (never a participant id) and is written once
 * (`If-None-Match: *`), so it also stands in a container under a WORM policy. Nothing ever deletes one.
 */
const TOMBSTONES_PREFIX = OPERATIONAL_PREFIXES.erased;

/** Erased chunks of one recording folder are at most its chunks (1,000 per event); the listing stops there. */
const MAX_TOMBSTONES_PER_FOLDER = 2_000;

/** What a tombstone holds: enough for an operator to find the erasure that wrote it. */
export interface ErasureTombstone {
  readonly schemaVersion: 1;
  readonly recordingFolder: string;
  readonly documentId: string;
  readonly erasedAt: string;
  /** The erasure receipt's blob name (`participant-erasures/...`), which names the participant only by keyed hash. */
  readonly receipt: string;
}

/** `calls/<call>/<recording>/` -> `archive-erasures/<call>/<recording>/`. */
function tombstoneFolder(recordingFolder: string): string {
  return `${TOMBSTONES_PREFIX}${recordingFolder.slice(RECORDINGS_PREFIX.length)}`;
}

/** The tombstone of one chunk: the recording's folder mirrored under `archive-erasures/`, then the escaped documentId. */
export function tombstoneName(recordingFolder: string, documentId: string): string {
  return `${tombstoneFolder(recordingFolder)}${pathSegment(documentId)}.json`;
}

/** The documentIds (as escaped name segments) erased in one folder; `has` takes the raw documentId. */
export interface ErasedChunks {
  readonly size: number;
  /** True when the listing stopped at its bound: treat unknown chunks of this folder with care. */
  readonly truncated: boolean;
  has(documentId: string): boolean;
}

export class ErasureTombstones {
  constructor(private readonly container: ContainerClient) {}

  /** Writes the chunk's tombstone; false when it was already there (a repeated erasure). */
  record(tombstone: Omit<ErasureTombstone, "schemaVersion">, options: { abortSignal?: AbortSignal } = {}): Promise<boolean> {
    const body: ErasureTombstone = { schemaVersion: 1, ...tombstone };
    return writeJsonOnce(this.container, tombstoneName(tombstone.recordingFolder, tombstone.documentId), JSON.stringify(body), undefined, options.abortSignal);
  }

  /** One HEAD: whether this chunk of this folder was erased. */
  async isErased(recordingFolder: string, documentId: string, options: { abortSignal?: AbortSignal } = {}): Promise<boolean> {
    return this.container.getBlobClient(tombstoneName(recordingFolder, documentId)).exists({ abortSignal: storageSignal(options.abortSignal) });
  }

  /** One bounded listing: every erased chunk of a recording folder (for callers that check many chunks of it). */
  async erasedIn(recordingFolder: string): Promise<ErasedChunks> {
    const prefix = tombstoneFolder(recordingFolder);
    const { blobs, truncated } = await listWithMetadata(this.container, prefix, MAX_TOMBSTONES_PER_FOLDER);
    const segments = new Set(blobs.map((blob) => blob.name.slice(prefix.length)).filter((rest) => !rest.includes("/") && rest.endsWith(".json")));
    return { size: segments.size, truncated, has: (documentId) => segments.has(`${pathSegment(documentId)}.json`) };
  }
}
