import type { BlobItem, ContainerClient } from "@azure/storage-blob";
import { CATALOGUE_SUFFIX, manifestName, METADATA_SUFFIX } from "../layout/blobLayout";
import { listWithMetadata } from "./boundedReads";
import { recordingInfoFromBlobMetadata, type RecordingInfo } from "./recordingInfo";

/** One chunk as found in the archive (committed blobs only: a listing never shows uncommitted ones). */
export interface ArchivedChunkBlobs {
  readonly index: number;
  readonly documentId: string;
  /**
   * The media: a committed blob in the archive, or (`store: "byos"`) the catalogue record of a bring-your-own-storage
   * chunk whose media stays in the customer's account (its `name` is the record's; its `bytes` the media's).
   */
  readonly media?: {
    readonly name: string;
    readonly bytes: number;
    readonly contentType: string;
    readonly sha256?: string;
    readonly store?: "byos";
  };
  readonly metadata?: { readonly name: string; readonly bytes: number };
  /** The ACS resource the chunk's blobs record (`acsresource` metadata; null when they name none). */
  readonly acsResource?: string | null;
}

export interface RecordingFolderContents {
  /** Chunks by documentId (identity: the HA/DR case can repeat an index with another document). */
  readonly chunks: ReadonlyMap<string, ArchivedChunkBlobs>;
  /** The recording as the chunk blobs' own metadata describes it (first chunk found). */
  readonly info?: RecordingInfo;
  readonly manifestExists: boolean;
  readonly truncated: boolean;
}

/**
 * Lists one recording folder and pairs each chunk's media and metadata blob by the identity the
 * archiver writes into every commit (documentid, chunkindex). A media blob whose declared byte count
 * does not match its size is not counted as archived (the archiver's own rule).
 */
export async function readRecordingFolder(
  container: ContainerClient,
  folder: string,
): Promise<RecordingFolderContents> {
  const { blobs, truncated } = await listWithMetadata(container, folder);
  const chunks = new Map<string, ArchivedChunkBlobs>();
  let info: RecordingInfo | undefined;
  let manifestExists = false;
  for (const blob of blobs) {
    if (blob.name === manifestName(folder)) {
      manifestExists = true;
      continue;
    }
    if (blob.name.slice(folder.length).includes("/")) continue;
    const identity = identityOf(blob);
    if (!identity) continue;
    info ??= recordingInfoFromBlobMetadata(blob.metadata);
    const known = chunks.get(identity.documentId) ?? {
      index: identity.index,
      documentId: identity.documentId,
      acsResource: acsResourceOf(blob.metadata),
    };
    const bytes = blob.properties.contentLength ?? 0;
    if (blob.name.endsWith(METADATA_SUFFIX)) {
      chunks.set(identity.documentId, { ...known, metadata: { name: blob.name, bytes } });
    } else if (blob.name.endsWith(CATALOGUE_SUFFIX)) {
      // Catalogued in place; a server-side copy in the archive (BYOS_COPY), when there is one, is the media instead.
      const mediaBytes = Number(blob.metadata?.["bytecount"]);
      if (!known.media && blob.metadata?.["byos"] === "true" && Number.isSafeInteger(mediaBytes) && mediaBytes >= 0) {
        chunks.set(identity.documentId, {
          ...known,
          media: { name: blob.name, bytes: mediaBytes, contentType: "application/octet-stream", store: "byos" },
        });
      }
    } else if (blob.metadata?.["bytecount"] === String(bytes)) {
      const sha256 = blob.metadata["contentsha256"];
      chunks.set(identity.documentId, {
        ...known,
        media: {
          name: blob.name,
          bytes,
          contentType: blob.properties.contentType ?? "application/octet-stream",
          ...(sha256 && /^[0-9a-f]{64}$/.test(sha256) ? { sha256 } : {}),
        },
      });
    }
  }
  return { chunks, ...(info ? { info } : {}), manifestExists, truncated };
}

/** The `acsresource` the archiver wrote into a blob's metadata (percent-encoded when not plain ASCII); null when none. */
export function acsResourceOf(metadata: Readonly<Record<string, string>> | undefined): string | null {
  const raw = metadata?.["acsresource"];
  if (raw === undefined) return null;
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

function identityOf(blob: BlobItem): { documentId: string; index: number } | undefined {
  const raw = blob.metadata?.["documentid"];
  const index = Number(blob.metadata?.["chunkindex"]);
  if (raw === undefined || !Number.isSafeInteger(index) || index < 0) return undefined;
  let documentId = raw;
  try {
    documentId = decodeURIComponent(raw);
  } catch {
    // Stored as is (plain ASCII documentIds are never percent-encoded).
  }
  return { documentId, index };
}

/** Chunks with both blobs committed. */
export function completeChunks(contents: RecordingFolderContents): ArchivedChunkBlobs[] {
  return [...contents.chunks.values()]
    .filter((chunk) => chunk.media && chunk.metadata)
    .sort((a, b) => a.index - b.index || a.documentId.localeCompare(b.documentId));
}
