import type { BlobItem, ContainerClient } from "@azure/storage-blob";
import { createHash } from "node:crypto";
import { isRestError } from "@azure/core-rest-pipeline";
import { storageSignal } from "../storage/storageDeadline";

/** At most this many blobs are listed under one prefix (a recording has at most 1,000 chunks, two blobs each). */
export const MAX_LISTED_BLOBS = 2_100;
const PAGE_SIZE = 500;

/**
 * Lists blobs under `prefix` with their metadata, one page per request, each with its own Storage
 * deadline; stops at `max` results (`truncated` says so). A missing container lists as empty.
 */
export async function listWithMetadata(container: ContainerClient, prefix: string, max = MAX_LISTED_BLOBS): Promise<{ blobs: BlobItem[]; truncated: boolean }> {
  const blobs: BlobItem[] = [];
  let continuationToken: string | undefined;
  try {
    do {
      const pages = container
        .listBlobsFlat({ prefix, includeMetadata: true, abortSignal: storageSignal() })
        .byPage({ maxPageSize: Math.min(PAGE_SIZE, max - blobs.length + 1), ...(continuationToken ? { continuationToken } : {}) });
      const page = (await pages.next()).value;
      if (!page) break;
      blobs.push(...page.segment.blobItems);
      continuationToken = page.continuationToken || undefined;
    } while (continuationToken && blobs.length <= max);
  } catch (error) {
    if (isRestError(error) && error.statusCode === 404) return { blobs: [], truncated: false };
    throw error;
  }
  return { blobs: blobs.slice(0, max), truncated: blobs.length > max || continuationToken !== undefined };
}

/** Downloads a small blob whole, refusing one larger than `maxBytes`; undefined when it does not exist. */
export async function readSmallBlob(container: ContainerClient, name: string, maxBytes: number): Promise<Buffer | undefined> {
  try {
    const download = await container.getBlobClient(name).download(0, maxBytes + 1, { abortSignal: storageSignal() });
    const pieces: Buffer[] = [];
    let size = 0;
    for await (const piece of download.readableStreamBody as AsyncIterable<Buffer>) {
      size += piece.length;
      if (size > maxBytes) throw new Error(`${name} is larger than ${maxBytes} bytes`);
      pieces.push(piece);
    }
    return Buffer.concat(pieces, size);
  } catch (error) {
    if (isRestError(error) && error.statusCode === 404) return undefined;
    throw error;
  }
}

/** Reads a blob's JSON; undefined when absent or not JSON. */
export async function readJsonBlob(container: ContainerClient, name: string, maxBytes: number): Promise<unknown> {
  const bytes = await readSmallBlob(container, name, maxBytes);
  if (!bytes) return undefined;
  try {
    return JSON.parse(bytes.toString("utf8").replace(/^\uFEFF/, "")) as unknown;
  } catch {
    return undefined;
  }
}

/** Reading our own archive runs at least this fast, or the read is abandoned (and retried later). */
const MIN_READ_BYTES_PER_SECOND = 4 * 1024 * 1024;

/** SHA-256 (hex) of a committed blob, streamed (memory-bounded), with a deadline that grows with its size. */
export async function blobSha256(container: ContainerClient, name: string, bytes: number): Promise<string> {
  const hash = createHash("sha256");
  const signal = storageSignal(undefined, 8_000 + Math.ceil((bytes / MIN_READ_BYTES_PER_SECOND) * 1000));
  const download = await container.getBlobClient(name).download(0, undefined, { abortSignal: signal });
  for await (const piece of download.readableStreamBody as AsyncIterable<Buffer>) hash.update(piece);
  return hash.digest("hex");
}

/** The virtual folders directly under `prefix` (one delimiter level), at most `max` of them. */
export async function listFolders(container: ContainerClient, prefix: string, max: number): Promise<{ folders: string[]; truncated: boolean }> {
  const folders: string[] = [];
  let continuationToken: string | undefined;
  try {
    do {
      const pages = container
        .listBlobsByHierarchy("/", { prefix, abortSignal: storageSignal() })
        .byPage({ maxPageSize: Math.min(PAGE_SIZE, max - folders.length + 1), ...(continuationToken ? { continuationToken } : {}) });
      const page = (await pages.next()).value;
      if (!page) break;
      folders.push(...(page.segment.blobPrefixes ?? []).map((entry: { name: string }) => entry.name));
      continuationToken = page.continuationToken || undefined;
    } while (continuationToken && folders.length <= max);
  } catch (error) {
    if (isRestError(error) && error.statusCode === 404) return { folders: [], truncated: false };
    throw error;
  }
  return { folders: folders.slice(0, max), truncated: folders.length > max || continuationToken !== undefined };
}
