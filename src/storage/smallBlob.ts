import type { BlobClient } from "@azure/storage-blob";
import { storageSignal } from "./storageDeadline";
import { isNotFound } from "../shared/errorKinds";
import type { AbortOptions } from "../shared/cancellation";

/** A blob too large for what it claims to be (a metadata document, a manifest, a record). */
class BlobTooLargeError extends Error {
  override readonly name = "BlobTooLargeError";
}

/**
 * Reads a small blob whole, within the Storage deadline and `maxBytes`; undefined when it does not
 * exist. The declared length is checked before the body is read, the bytes read while reading.
 */
export async function readSmallBlob(
  blob: BlobClient,
  maxBytes: number,
  { abortSignal: signal }: AbortOptions = {},
): Promise<Buffer | undefined> {
  return (await readSmallBlobVersion(blob, maxBytes, { abortSignal: signal }))?.bytes;
}

/** readSmallBlob, with the ETag of the version that was read (what a later conditional delete or copy must match). */
export async function readSmallBlobVersion(
  blob: BlobClient,
  maxBytes: number,
  { abortSignal: signal }: AbortOptions = {},
): Promise<{ readonly bytes: Buffer; readonly etag?: string } | undefined> {
  try {
    const abortSignal = storageSignal(signal);
    const download = await blob.download(0, undefined, { abortSignal });
    if ((download.contentLength ?? 0) > maxBytes)
      throw new BlobTooLargeError(`${blob.name} has ${download.contentLength} bytes; at most ${maxBytes} are read.`);
    const pieces: Buffer[] = [];
    let size = 0;
    for await (const piece of download.readableStreamBody as AsyncIterable<Buffer>) {
      size += piece.length;
      if (size > maxBytes) throw new BlobTooLargeError(`${blob.name} is larger than ${maxBytes} bytes.`);
      pieces.push(piece);
    }
    return { bytes: Buffer.concat(pieces, size), ...(download.etag ? { etag: download.etag } : {}) };
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}
