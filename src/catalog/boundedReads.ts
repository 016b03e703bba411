import type { BlobItem, ContainerClient } from "@azure/storage-blob";
import { createHash } from "node:crypto";
import { readSmallBlob } from "../storage/smallBlob";
import { storageSignal } from "../storage/storageDeadline";
import { isAlreadyThere, isNotFound } from "../shared/errorKinds";
import type { AbortOptions } from "../shared/cancellation";

/** At most this many blobs are listed under one prefix (a recording has at most 1,000 chunks, two blobs each). */
const MAX_LISTED_BLOBS = 2_100;
const PAGE_SIZE = 500;

/**
 * Reads pages until `max` items or the end, one request per page, each with its own Storage deadline.
 * A missing container reads as empty.
 */
async function boundedPages<T>(
  max: number,
  page: (size: number, token: string | undefined, signal: AbortSignal) => Promise<{ items: T[]; token?: string }>,
  { abortSignal: signal }: AbortOptions = {},
): Promise<{ items: T[]; truncated: boolean }> {
  const items: T[] = [];
  let token: string | undefined;
  try {
    do {
      const next = await page(Math.min(PAGE_SIZE, max - items.length + 1), token, storageSignal(signal));
      items.push(...next.items);
      token = next.token || undefined;
    } while (token && items.length <= max);
  } catch (error) {
    if (isNotFound(error)) return { items: [], truncated: false };
    throw error;
  }
  return { items: items.slice(0, max), truncated: items.length > max || token !== undefined };
}

/**
 * The names of the blobs under `prefix`, one page (at most PAGE_SIZE) at a time, each page with its own Storage
 * deadline: for a caller that works through a listing of any length without holding it. A missing container reads as
 * empty.
 */
export async function* blobNamePages(container: ContainerClient, prefix: string): AsyncGenerator<string[]> {
  let token: string | undefined;
  do {
    let page: Awaited<
      ReturnType<AsyncIterableIterator<{ segment: { blobItems: BlobItem[] }; continuationToken?: string }>["next"]>
    >;
    try {
      page = await container
        .listBlobsFlat({ prefix, abortSignal: storageSignal() })
        .byPage({ maxPageSize: PAGE_SIZE, ...(token ? { continuationToken: token } : {}) })
        .next();
    } catch (error) {
      if (isNotFound(error)) return;
      throw error;
    }
    if (page.done) return;
    yield page.value.segment.blobItems.map((blob) => blob.name);
    token = page.value.continuationToken || undefined;
  } while (token);
}

/** Lists blobs under `prefix` with their metadata; stops at `max` results (`truncated` says so); each page also stops at `signal`. */
export async function listWithMetadata(
  container: ContainerClient,
  prefix: string,
  max = MAX_LISTED_BLOBS,
  { abortSignal: signal }: AbortOptions = {},
): Promise<{ blobs: BlobItem[]; truncated: boolean }> {
  const { items, truncated } = await boundedPages(
    max,
    async (maxPageSize, continuationToken, abortSignal) => {
      const page = await container
        .listBlobsFlat({ prefix, includeMetadata: true, abortSignal })
        .byPage({ maxPageSize, ...(continuationToken ? { continuationToken } : {}) })
        .next();
      return page.done ? { items: [] } : { items: page.value.segment.blobItems, token: page.value.continuationToken };
    },
    { abortSignal: signal },
  );
  return { blobs: items, truncated };
}

/** Reads a blob's JSON; undefined when absent or not JSON. */
export async function readJsonBlob(
  container: ContainerClient,
  name: string,
  maxBytes: number,
  { abortSignal: signal }: AbortOptions = {},
): Promise<unknown> {
  const bytes = await readSmallBlob(container.getBlobClient(name), maxBytes, { abortSignal: signal });
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
export async function listFolders(
  container: ContainerClient,
  prefix: string,
  max: number,
): Promise<{ folders: string[]; truncated: boolean }> {
  const { items, truncated } = await boundedPages(max, async (maxPageSize, continuationToken, abortSignal) => {
    const page = await container
      .listBlobsByHierarchy("/", { prefix, abortSignal })
      .byPage({ maxPageSize, ...(continuationToken ? { continuationToken } : {}) })
      .next();
    return page.done
      ? { items: [] }
      : {
          items: (page.value.segment.blobPrefixes ?? []).map((entry) => entry.name),
          token: page.value.continuationToken,
        };
  });
  return { folders: items, truncated };
}

/**
 * Writes a small JSON blob once (`If-None-Match: *`: never overwrites, WORM-compatible). Returns
 * false when it already exists (a redelivery, or a concurrent writer).
 */
export async function writeJsonOnce(
  container: ContainerClient,
  name: string,
  text: string,
  metadata?: Record<string, string>,
  { abortSignal: signal }: AbortOptions = {},
): Promise<boolean> {
  try {
    await container.getBlockBlobClient(name).upload(text, Buffer.byteLength(text), {
      blobHTTPHeaders: { blobContentType: "application/json" },
      ...(metadata ? { metadata } : {}),
      conditions: { ifNoneMatch: "*" },
      abortSignal: storageSignal(signal),
    });
    return true;
  } catch (error) {
    if (isAlreadyThere(error)) return false;
    throw error;
  }
}
