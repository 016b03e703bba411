import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { BlobClient } from "@azure/storage-blob";
import { TransferInterruptedError } from "../errors";
import { guardIdle } from "../shared/bodyReading";

export interface DownloadedFile {
  readonly bytes: number;
  readonly sha256: string;
  /** base64, as Storage reports Content-MD5. */
  readonly md5: string;
}

/**
 * Streams a blob to `path` (never held in memory), hashing as it goes. The file is created new (it must not exist:
 * never written through a link someone placed there) and readable by its owner only (0600). A response that does
 * not start within `idleTimeoutMs`, or a body that sends nothing for that long, is abandoned with
 * TransferInterruptedError.
 */
export async function downloadBlobToFile(
  blob: BlobClient,
  path: string,
  options: { idleTimeoutMs: number; onBytes?: (bytes: number) => void },
): Promise<DownloadedFile> {
  const { idleTimeoutMs } = options;
  // The headers get their own clock; the body's gaps are guarded by guardIdle (a timer here would cut a long body).
  const headers = new AbortController();
  const timer = setTimeout(() => headers.abort(), idleTimeoutMs);
  let body: NodeJS.ReadableStream | undefined;
  try {
    body = (await blob.download(0, undefined, { abortSignal: headers.signal, maxRetryRequests: 0 })).readableStreamBody;
  } catch (error) {
    if (headers.signal.aborted)
      throw new TransferInterruptedError(`${blob.name}: no answer for ${idleTimeoutMs} ms.`, { cause: error });
    throw error;
  } finally {
    clearTimeout(timer);
  }
  if (!body) throw new TransferInterruptedError(`${blob.name}: the download has no body.`);
  const sha256 = createHash("sha256");
  const md5 = createHash("md5");
  let bytes = 0;
  const source = body;
  async function* metered(): AsyncGenerator<Buffer> {
    for await (const piece of guardIdle(source, { idleTimeoutMs })) {
      bytes += piece.length;
      sha256.update(piece);
      md5.update(piece);
      options.onBytes?.(bytes);
      yield piece;
    }
  }
  try {
    await pipeline(Readable.from(metered()), createWriteStream(path, { flags: "wx", mode: 0o600 }));
  } catch (error) {
    if (error instanceof TransferInterruptedError)
      throw new TransferInterruptedError(`${blob.name}: ${error.message}.`, { cause: error });
    throw error;
  }
  return { bytes, sha256: sha256.digest("hex"), md5: md5.digest("base64") };
}

/** SHA-256 and MD5 of a local file, streamed. */
export async function hashFile(path: string): Promise<DownloadedFile> {
  const sha256 = createHash("sha256");
  const md5 = createHash("md5");
  let bytes = 0;
  for await (const piece of createReadStream(path) as AsyncIterable<Buffer>) {
    bytes += piece.length;
    sha256.update(piece);
    md5.update(piece);
  }
  return { bytes, sha256: sha256.digest("hex"), md5: md5.digest("base64") };
}
