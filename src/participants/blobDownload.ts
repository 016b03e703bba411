import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { BlobClient } from "@azure/storage-blob";
import { TransferInterruptedError } from "../errors";

export interface DownloadedFile {
  readonly bytes: number;
  readonly sha256: string;
  /** base64, as Storage reports Content-MD5. */
  readonly md5: string;
}

/**
 * Streams a blob to `path` (never held in memory), hashing as it goes. A body that sends nothing for
 * `idleTimeoutMs` is abandoned with TransferInterruptedError; so is a response that never starts.
 */
export async function downloadBlobToFile(blob: BlobClient, path: string, options: { idleTimeoutMs: number; onBytes?: (bytes: number) => void }): Promise<DownloadedFile> {
  const idle = new AbortController();
  let timer = setTimeout(() => idle.abort(), options.idleTimeoutMs);
  const rearm = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => idle.abort(), options.idleTimeoutMs);
  };
  const sha256 = createHash("sha256");
  const md5 = createHash("md5");
  let bytes = 0;
  try {
    // The idle timer guards the wait for the headers and then every gap in the body.
    const response = await blob.download(0, undefined, { abortSignal: idle.signal, maxRetryRequests: 0 });
    const body = response.readableStreamBody;
    if (!body) throw new TransferInterruptedError(`${blob.name}: the download has no body.`);
    idle.signal.addEventListener("abort", () => body.destroy(new TransferInterruptedError(`${blob.name}: no bytes for ${options.idleTimeoutMs} ms.`)), { once: true });
    const meter = new Transform({
      transform(piece: Buffer, _encoding, done) {
        rearm();
        bytes += piece.length;
        sha256.update(piece);
        md5.update(piece);
        options.onBytes?.(bytes);
        done(null, piece);
      },
    });
    await pipeline(body, meter, createWriteStream(path));
  } catch (error) {
    if (idle.signal.aborted && !(error instanceof TransferInterruptedError)) throw new TransferInterruptedError(`${blob.name}: no bytes for ${options.idleTimeoutMs} ms.`, { cause: error });
    throw error;
  } finally {
    clearTimeout(timer);
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
