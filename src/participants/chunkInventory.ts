import type { BlobItem, ContainerClient } from "@azure/storage-blob";
import { pathSegment } from "../layout/blobLayout";
import { isPreviousVersion, listVersions } from "./blobErasure";
import {
  chunkFileKind,
  chunkIndexOf,
  chunkPrefix,
  documentSegmentOf,
  type ChunkFileKind,
  type ChunkRef,
} from "./chunkRef";
import { blobNameProblem } from "./listedNames";

export interface ChunkFile {
  /** Blob name in the archive container. */
  readonly name: string;
  readonly kind: ChunkFileKind;
  readonly bytes: number;
  /** SHA-256 (hex) the archive recorded for it: the blob's `contentsha256` metadata, or the recording's manifest. */
  readonly sha256?: string;
  readonly sha256From?: "manifest" | "blobMetadata";
  /** Content-MD5 (base64) the service holds for the blob, when it has one. */
  readonly md5?: string;
}

/** One archived chunk of a participant: where it is, what it belongs to, its blobs. */
export interface ChunkSummary {
  readonly container: string;
  readonly folder: string;
  /** `<index>-<documentId, escaped>`: the stem the chunk's blob names share. */
  readonly chunk: string;
  readonly documentId?: string;
  readonly index: number;
  /** Chunks the recording's event announced (blob metadata `chunkcount`), when known. */
  readonly chunkCount?: number;
  readonly callId?: string;
  readonly serverCallId?: string;
  readonly recordingId?: string;
  readonly startTime?: string;
  /** `byos`: the media stays in the customer's account (a catalogue record names it). */
  readonly store: "archive" | "byos";
  readonly files: readonly ChunkFile[];
  readonly bytes: number;
}

/** A chunk's blobs as one listing of its prefix shows them. */
export interface ChunkListing {
  /** Current versions of exactly the chunk's names. */
  readonly current: readonly BlobItem[];
  /** Previous versions of them (versioned accounts; listed only when asked). */
  readonly previous: readonly BlobItem[];
  /** Names under the prefix that are unusable as names (dot segments, backslash): refused, reported. */
  readonly unsafe: readonly string[];
  readonly truncated: boolean;
}

/** Lists the chunk's blobs (one listing of `<folder><stem>.`), with versions when `versions`. */
export async function listChunk(
  recordings: ContainerClient,
  ref: ChunkRef,
  options: { versions: boolean; abortSignal?: AbortSignal },
): Promise<ChunkListing> {
  const unsafe: string[] = [];
  const accept = (name: string): boolean => {
    if (blobNameProblem(name) !== undefined) {
      unsafe.push(name);
      return false;
    }
    return chunkFileKind(name, ref) !== undefined;
  };
  const { items, truncated } = await listVersions(recordings, chunkPrefix(ref), accept, {
    abortSignal: options.abortSignal,
  });
  const current = items.filter((item) => !isPreviousVersion(item));
  return {
    current,
    previous: options.versions ? items.filter(isPreviousVersion) : [],
    unsafe: [...new Set(unsafe)],
    truncated,
  };
}

/**
 * The chunk's raw documentId: from its blobs' `documentid` metadata (percent-encoded when not ASCII), else from
 * the escaped segment of its stem (escaping is reversible unless the id was shortened), else from the metadata
 * document; each candidate must escape to the stem's segment.
 */
export function documentIdOf(ref: ChunkRef, items: readonly BlobItem[], metadataDocument?: Buffer): string | undefined {
  const segment = documentSegmentOf(ref);
  const candidates: string[] = [];
  for (const item of items) {
    const value = item.metadata?.["documentid"];
    if (value) candidates.push(value, decoded(value));
  }
  candidates.push(unescapeSegment(segment));
  const fromDocument = chunkDocumentIdIn(metadataDocument);
  if (fromDocument) candidates.push(fromDocument);
  return candidates.find((candidate) => candidate !== "" && pathSegment(candidate) === segment);
}

/** The chunk as find reports it, from its listing. */
export function describeChunk(
  container: string,
  ref: ChunkRef,
  listing: ChunkListing,
  documentId: string | undefined,
): ChunkSummary {
  const files = listing.current
    .map((item): ChunkFile => {
      const sha256 = item.metadata?.["contentsha256"];
      const md5 = item.properties.contentMD5 ? Buffer.from(item.properties.contentMD5).toString("base64") : undefined;
      return {
        name: item.name,
        kind: chunkFileKind(item.name, ref) as ChunkFileKind,
        bytes: item.properties.contentLength ?? 0,
        ...(sha256 && /^[0-9a-f]{64}$/i.test(sha256)
          ? { sha256: sha256.toLowerCase(), sha256From: "blobMetadata" as const }
          : {}),
        ...(md5 ? { md5 } : {}),
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
  const first = listing.current.find((item) => item.metadata?.["chunkcount"] !== undefined)?.metadata ?? {};
  const chunkCount = Number(first["chunkcount"]);
  return {
    container,
    folder: ref.folder,
    chunk: ref.stem,
    ...(documentId ? { documentId } : {}),
    index: chunkIndexOf(ref),
    ...(Number.isSafeInteger(chunkCount) && first["chunkcount"] !== undefined ? { chunkCount } : {}),
    ...optional("callId", first["callid"]),
    ...optional("serverCallId", first["servercallid"]),
    ...optional("recordingId", first["recordingid"]),
    ...optional("startTime", first["recordingstarttime"]),
    store:
      files.some((file) => file.kind === "media") || !files.some((file) => file.kind === "catalogue")
        ? "archive"
        : "byos",
    files,
    bytes: files.reduce((sum, file) => sum + file.bytes, 0),
  };
}

/** `~XX` escapes back to their bytes (pathSegment); a shortened segment (`~~<hash>`) cannot be reversed. */
function unescapeSegment(segment: string): string {
  if (segment.includes("~~")) return "";
  const bytes: number[] = [];
  for (let at = 0; at < segment.length; at++) {
    const char = segment[at] as string;
    if (char === "~" && /^[0-9A-F]{2}$/.test(segment.slice(at + 1, at + 3))) {
      bytes.push(parseInt(segment.slice(at + 1, at + 3), 16));
      at += 2;
    } else bytes.push(char.charCodeAt(0));
  }
  return Buffer.from(bytes).toString("utf8");
}

function chunkDocumentIdIn(document: Buffer | undefined): string | undefined {
  if (!document) return undefined;
  try {
    const parsed: unknown = JSON.parse(document.toString("utf8").replace(/^\uFEFF/, ""));
    const value =
      parsed && typeof parsed === "object" ? (parsed as Record<string, unknown>)["chunkDocumentId"] : undefined;
    return typeof value === "string" ? value : undefined;
  } catch {
    return undefined;
  }
}

function optional<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value === undefined || value === "" ? {} : ({ [key]: decoded(value) } as Record<K, string>);
}

/** blobMetadata.ts percent-encodes non-ASCII values; show them as they were. */
function decoded(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
