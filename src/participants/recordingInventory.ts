import type { BlobItem, ContainerClient } from "@azure/storage-blob";
import { manifestName } from "../archive/blobLayout";
import { isRecord } from "../shared/untrustedJson";
import { readSmallBlob } from "../storage/smallBlob";
import { storageSignal } from "../storage/storageDeadline";
import { LISTING_TIMEOUT_MS } from "./participantIndex";

const MAX_MANIFEST_BYTES = 8 * 1024 * 1024;
/** BYOS catalogue records sit next to the chunk they describe: `<index>-<documentId>.byos.json`. */
export const CATALOGUE_SUFFIX = ".byos.json";

type FileKind = "media" | "metadata" | "manifest" | "catalogue" | "other";

export interface RecordingFile {
  /** Blob name in the archive container. */
  readonly name: string;
  readonly kind: FileKind;
  readonly bytes: number;
  /** SHA-256 (hex) the archive recorded for it: from manifest.json, else the blob's `contentsha256` metadata. */
  readonly sha256?: string;
  readonly sha256From?: "manifest" | "blobMetadata";
  /** Content-MD5 (base64) the service holds for the blob, when it has one. */
  readonly md5?: string;
}

export interface RecordingSummary {
  readonly container: string;
  readonly folder: string;
  readonly callId?: string;
  readonly serverCallId?: string;
  readonly recordingId?: string;
  readonly startTime?: string;
  /** Chunks the recording's event announced (blob metadata `chunkcount`), when known. */
  readonly chunkCount?: number;
  /** Chunks whose media is in the archive (or catalogued in BYOS storage). */
  readonly chunks: number;
  readonly files: readonly RecordingFile[];
  readonly bytes: number;
  /** A manifest is there, or every announced chunk has its media and metadata. */
  readonly complete: boolean;
}

/** Lists one recording folder with what the archiver recorded about each blob. */
export async function describeRecording(recordings: ContainerClient, folder: string, signal?: AbortSignal): Promise<RecordingSummary> {
  const items: BlobItem[] = [];
  for await (const page of recordings
    .listBlobsFlat({ prefix: folder, includeMetadata: true, abortSignal: storageSignal(signal, LISTING_TIMEOUT_MS) })
    .byPage({ maxPageSize: 1000 }))
    items.push(...page.segment.blobItems);
  const manifest = items.some((item) => item.name === manifestName(folder)) ? await manifestHashes(recordings, folder, signal) : new Map<string, string>();
  const files = items.map((item) => fileOf(item, folder, manifest));
  const first = items.find((item) => item.metadata?.["chunkcount"] !== undefined)?.metadata ?? {};
  const chunkCount = first["chunkcount"] === undefined ? undefined : Number(first["chunkcount"]);
  const chunkIndexes = (kind: FileKind): Set<number> => new Set(files.filter((file) => file.kind === kind).map((file) => chunkIndexOf(file.name, folder)));
  const media = chunkIndexes("media");
  for (const index of chunkIndexes("catalogue")) media.add(index);
  const metadata = chunkIndexes("metadata");
  const allThere =
    chunkCount !== undefined &&
    Number.isSafeInteger(chunkCount) &&
    Array.from({ length: chunkCount }, (_, index) => index).every((index) => media.has(index) && metadata.has(index));
  return {
    container: recordings.containerName,
    folder,
    ...optional("callId", first["callid"]),
    ...optional("serverCallId", first["servercallid"]),
    ...optional("recordingId", first["recordingid"]),
    ...optional("startTime", first["recordingstarttime"]),
    ...(chunkCount !== undefined && Number.isSafeInteger(chunkCount) ? { chunkCount } : {}),
    chunks: media.size,
    files,
    bytes: files.reduce((sum, file) => sum + file.bytes, 0),
    complete: files.some((file) => file.kind === "manifest") || allThere,
  };
}

function fileOf(item: BlobItem, folder: string, manifest: ReadonlyMap<string, string>): RecordingFile {
  const relative = item.name.slice(folder.length);
  const kind: FileKind =
    relative === "manifest.json"
      ? "manifest"
      : relative.endsWith(".metadata.json")
        ? "metadata"
        : relative.endsWith(CATALOGUE_SUFFIX)
          ? "catalogue"
          : /^\d+-/.test(relative)
            ? "media"
            : "other";
  const fromManifest = manifest.get(relative);
  const fromMetadata = item.metadata?.["contentsha256"];
  const md5 = item.properties.contentMD5 ? Buffer.from(item.properties.contentMD5).toString("base64") : undefined;
  return {
    name: item.name,
    kind,
    bytes: item.properties.contentLength ?? 0,
    ...(fromManifest
      ? { sha256: fromManifest, sha256From: "manifest" as const }
      : fromMetadata
        ? { sha256: fromMetadata, sha256From: "blobMetadata" as const }
        : {}),
    ...(md5 ? { md5 } : {}),
  };
}

/**
 * SHA-256s a manifest.json (written by the catalogue step once all chunks are archived) records,
 * by file name within the folder. Optional input: a manifest that is missing or unreadable adds nothing.
 */
async function manifestHashes(recordings: ContainerClient, folder: string, signal?: AbortSignal): Promise<Map<string, string>> {
  const hashes = new Map<string, string>();
  let parsed: unknown;
  try {
    const body = await readSmallBlob(recordings.getBlobClient(manifestName(folder)), MAX_MANIFEST_BYTES, signal);
    parsed = body === undefined ? undefined : JSON.parse(body.toString("utf8"));
  } catch {
    return hashes;
  }
  const chunks = isRecord(parsed) && Array.isArray(parsed["chunks"]) ? (parsed["chunks"] as unknown[]) : [];
  for (const chunk of chunks) {
    if (!isRecord(chunk)) continue;
    for (const part of ["media", "metadata"]) {
      const file = chunk[part];
      if (!isRecord(file) || typeof file["blob"] !== "string" || typeof file["sha256"] !== "string" || !/^[0-9a-f]{64}$/i.test(file["sha256"])) continue;
      hashes.set(file["blob"].split("/").pop() ?? "", file["sha256"].toLowerCase());
    }
  }
  return hashes;
}

function chunkIndexOf(name: string, folder: string): number {
  return Number(/^(\d+)-/.exec(name.slice(folder.length))?.[1] ?? Number.NaN);
}

function optional<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value === undefined || value === "" ? {} : ({ [key]: decodeHeaderValue(value) } as Record<K, string>);
}

/** blobMetadata.ts percent-encodes non-ASCII values; show them as they were. */
function decodeHeaderValue(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
