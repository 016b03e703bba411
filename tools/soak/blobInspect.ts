import { createHash } from "node:crypto";
import type { BlobItem, ContainerClient } from "@azure/storage-blob";

/** Every committed blob of a container, with its properties and metadata (none when the container is absent). */
export async function listCommitted(container: ContainerClient): Promise<Map<string, BlobItem>> {
  const blobs = new Map<string, BlobItem>();
  if (!(await container.exists())) return blobs;
  for await (const blob of container.listBlobsFlat({ includeMetadata: true })) blobs.set(blob.name, blob);
  return blobs;
}

/** SHA-256 (hex) and MD5 (base64) of a blob's committed content, streamed. */
export async function blobDigests(
  container: ContainerClient,
  name: string,
): Promise<{ sha256: string; md5: string; bytes: number }> {
  const sha256 = createHash("sha256");
  const md5 = createHash("md5");
  let bytes = 0;
  const download = await container.getBlobClient(name).download();
  for await (const piece of download.readableStreamBody as AsyncIterable<Buffer>) {
    sha256.update(piece);
    md5.update(piece);
    bytes += piece.length;
  }
  return { sha256: sha256.digest("hex"), md5: md5.digest("base64"), bytes };
}

export async function blobBytes(container: ContainerClient, name: string): Promise<Buffer> {
  return container.getBlobClient(name).downloadToBuffer();
}

/** Uncommitted blocks left on a blob name (staged by a delivery that lost the race or died). */
export async function uncommittedBlockCount(container: ContainerClient, name: string): Promise<number> {
  try {
    const list = await container.getBlockBlobClient(name).getBlockList("uncommitted");
    return list.uncommittedBlocks?.length ?? 0;
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return 0;
    throw error;
  }
}

/** Runs `work` over `items`, `limit` at a time, in order of completion. */
export async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
}
