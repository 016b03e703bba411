import { createCipheriv, createHash } from "node:crypto";

/** Length of the pseudo-random base pattern of a document. */
export const PATTERN_BYTES = 1024 * 1024;
/** Every segment of this length starts with its segment index (uint64 big-endian). */
export const SEGMENT_BYTES = 64 * 1024;
const STAMP_BYTES = 8;
const PATTERN_CACHE_LIMIT = 32;

/**
 * Generates the media bytes of documents: a 1 MiB pattern (AES-256-CTR keystream keyed by the document id) repeated,
 * with the first 8 bytes of every 64 KiB segment replaced by the segment's index, so a block that lands at the
 * wrong offset, a block of another document, or two swapped blocks never compare equal to the right bytes.
 * Content depends on the document id only: two simulators produce the same bytes for the same id.
 */
export class DocumentContent {
  private readonly patterns = new Map<string, Buffer>();
  private readonly digests = new Map<string, string>();

  /** Bytes [start, end) of a document's content. */
  bytes(documentId: string, start: number, end: number): Buffer {
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start) {
      throw new RangeError(`invalid content range [${start}, ${end})`);
    }
    const pattern = this.patternOf(documentId);
    const out = Buffer.allocUnsafe(end - start);
    let position = start;
    while (position < end) {
      const segmentIndex = Math.floor(position / SEGMENT_BYTES);
      const segmentStart = segmentIndex * SEGMENT_BYTES;
      const stop = Math.min(segmentStart + SEGMENT_BYTES, end);
      const patternOffset = position % PATTERN_BYTES;
      pattern.copy(out, position - start, patternOffset, patternOffset + (stop - position));
      const offsetInSegment = position - segmentStart;
      if (offsetInSegment < STAMP_BYTES) {
        const stamp = Buffer.allocUnsafe(STAMP_BYTES);
        stamp.writeBigUInt64BE(BigInt(segmentIndex));
        stamp.copy(out, position - start, offsetInSegment, Math.min(STAMP_BYTES, stop - segmentStart));
      }
      position = stop;
    }
    return out;
  }

  /** SHA-256 (hex) of the first `size` bytes of a document's content, computed by streaming and cached. */
  sha256Hex(documentId: string, size: number): string {
    return this.digest("sha256", "hex", documentId, size);
  }

  /** MD5 (base64, as in Content-MD5) of the first `size` bytes of a document's content, cached. */
  md5Base64(documentId: string, size: number): string {
    return this.digest("md5", "base64", documentId, size);
  }

  private digest(algorithm: "sha256" | "md5", encoding: "hex" | "base64", documentId: string, size: number): string {
    const cacheKey = `${algorithm}:${size}:${documentId}`;
    const cached = this.digests.get(cacheKey);
    if (cached) return cached;
    const hash = createHash(algorithm);
    const step = 4 * PATTERN_BYTES;
    for (let position = 0; position < size; position += step) {
      hash.update(this.bytes(documentId, position, Math.min(position + step, size)));
    }
    const digest = hash.digest(encoding);
    this.digests.set(cacheKey, digest);
    return digest;
  }

  private patternOf(documentId: string): Buffer {
    const cached = this.patterns.get(documentId);
    if (cached) {
      this.patterns.delete(documentId);
      this.patterns.set(documentId, cached);
      return cached;
    }
    const key = createHash("sha256").update(`acs-simulator-content:${documentId}`).digest();
    const cipher = createCipheriv("aes-256-ctr", key, Buffer.alloc(16));
    const pattern = Buffer.concat([cipher.update(Buffer.alloc(PATTERN_BYTES)), cipher.final()]);
    this.patterns.set(documentId, pattern);
    if (this.patterns.size > PATTERN_CACHE_LIMIT) {
      const oldest = this.patterns.keys().next().value;
      if (oldest !== undefined) this.patterns.delete(oldest);
    }
    return pattern;
  }
}
