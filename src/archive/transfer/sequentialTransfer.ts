import { createHash } from "node:crypto";
import type { AcsResponse } from "../../acs/acsRecordingClient";
import { AcsHttpError, TransferInterruptedError, UnverifiableSourceError } from "../../errors";
import { discardBody, guardIdle } from "../../shared/bodyReading";
import { blockBounds, blockId, parseContentRange } from "./blockPlan";
import type { MediaTransferResult } from "./mediaTransfer";
import { withRetries } from "../retryPolicy";
import { declaredTotal, expectSameSource, unsatisfiedRangeError } from "./sourceSize";
import { stageBlock, type TransferContext } from "./transferContext";

/**
 * For a server that ignores Range (200, whole body): one stream, cut into blocks as it arrives and
 * staged block by block (one buffer of the memory budget), laid out exactly as in the ranged path so either path can resume
 * the other's blocks. The size must be declared (sourceSize.ts) and every answer must declare the same;
 * a body that ends short of it is resumed with Range from the last complete block. A whole-file
 * Content-MD5 is checked against the bytes staged (then no earlier delivery's blocks are reused).
 */
export async function sequentialTransfer(
  context: TransferContext,
  first: AcsResponse,
  staged: Map<string, number>,
): Promise<MediaTransferResult> {
  let total: number;
  try {
    total = declaredTotal(first);
  } catch (error) {
    discardBody(first.body);
    throw error;
  }
  const expectedMd5 = wholeFileMd5(first);
  let lease;
  try {
    lease = await context.memory.admit(1, { abortSignal: context.abortSignal });
  } catch (error) {
    discardBody(first.body);
    throw error;
  }
  const buffer = await lease.acquire();
  const blocks = new SequentialBlocks(
    context,
    total,
    expectedMd5 === undefined ? staged : new Map<string, number>(),
    buffer,
  );
  let pending: AcsResponse | undefined = first;
  try {
    await withRetries(
      async () => {
        if (blocks.offset === total) return; // every byte is in (a connection dropped after the last one)
        const response: AcsResponse =
          pending ??
          (await context.acs.get(context.url, {
            field: context.field,
            range: { start: blocks.offset },
            abortSignal: context.abortSignal,
          }));
        pending = undefined;
        await blocks.readAnswer(response);
      },
      {
        policy: context.retry,
        deadlinePassed: context.deadlinePassed,
        abortSignal: context.abortSignal,
        progress: () => blocks.offset,
      },
    );
  } finally {
    lease.release(buffer);
    lease.close();
  }
  if (expectedMd5 !== undefined && blocks.md5() !== expectedMd5) {
    throw new UnverifiableSourceError(
      `the body's MD5 ${blocks.md5()} does not match the Content-MD5 ${expectedMd5} the source sent; nothing is committed`,
    );
  }
  return { ...blocks.result(), ...(expectedMd5 ? { sourceContentMd5: expectedMd5 } : azureBlobMd5(first)) };
}

/** The blocks of one sequential transfer: what is staged so far, in order, and the hashes of those bytes. */
class SequentialBlocks {
  readonly ids: string[] = [];
  offset = 0;
  private fill = 0;
  private resumed = 0;
  private readonly sha256 = createHash("sha256");
  private readonly md5Hash = createHash("md5");

  constructor(
    private readonly context: TransferContext,
    private readonly total: number,
    private readonly staged: Map<string, number>,
    /** One staged block's worth, from the memory budget. */
    private readonly buffer: Buffer,
  ) {}

  /** Reads one answer from `offset` on; a short, broken or changed answer throws (transient). */
  async readAnswer(response: AcsResponse): Promise<void> {
    this.fill = 0;
    if (response.status === 416) throw unsatisfiedRangeError(this.total, response, `bytes from ${this.offset}`);
    if (!response.body) throw new AcsHttpError(response.status, "GET", "no body");
    try {
      expectSameSource(this.total, response);
      if (response.status === 206 && parseContentRange(response.headers.get("content-range"))?.start !== this.offset) {
        throw new TransferInterruptedError(
          `asked for bytes from ${this.offset}, got ${response.headers.get("content-range") ?? "no Content-Range"}`,
        );
      }
    } catch (error) {
      discardBody(response.body);
      throw error;
    }
    let skip = response.status === 200 ? this.offset : 0;
    for await (const piece of guardIdle(response.body, {
      idleTimeoutMs: this.context.idleTimeoutMs,
      abortSignal: this.context.abortSignal,
    })) {
      const dropped = Math.min(skip, piece.length);
      skip -= dropped;
      await this.take(piece.subarray(dropped));
    }
    if (this.offset + this.fill !== this.total)
      throw new TransferInterruptedError(`the body ended after ${this.offset + this.fill} of ${this.total} bytes`);
    if (this.fill > 0) await this.flush();
  }

  md5(): string {
    return this.md5Hash.copy().digest("base64");
  }

  result(): Omit<MediaTransferResult, "sourceContentMd5"> {
    return {
      bytes: this.offset,
      blockIds: this.ids,
      ...(this.resumed === 0 ? { contentSha256: this.sha256.digest("hex") } : {}),
      resumedBlocks: this.resumed,
      mode: "sequential",
    };
  }

  private async take(piece: Buffer): Promise<void> {
    if (this.offset + this.fill + piece.length > this.total)
      throw new TransferInterruptedError(`the body holds more than the ${this.total} bytes declared`);
    this.context.received.bytes += piece.length;
    let data = piece;
    while (data.length > 0) {
      const size = this.blockSize(this.ids.length);
      const take = Math.min(data.length, size - this.fill);
      data.copy(this.buffer, this.fill, 0, take);
      this.fill += take;
      data = data.subarray(take);
      if (this.fill === size) await this.flush();
    }
  }

  private async flush(): Promise<void> {
    const id = blockId(this.ids.length, this.context.blockSize, this.total);
    const data = this.buffer.subarray(0, this.fill);
    if (this.staged.get(id) === this.fill) this.resumed += 1;
    else await stageBlock(this.context, id, data);
    this.sha256.update(data);
    this.md5Hash.update(data);
    this.ids.push(id);
    this.offset += this.fill;
    this.fill = 0;
  }

  private blockSize(index: number): number {
    const bounds = blockBounds(index, this.context.blockSize, this.total);
    return bounds.end - bounds.start;
  }
}

/** A whole-file Content-MD5 (only a 200 answer's covers the whole file). */
function wholeFileMd5(response: AcsResponse): string | undefined {
  const value = response.status === 200 ? response.headers.get("content-md5")?.trim() : undefined;
  return value && /^[A-Za-z0-9+/]{22}==$/.test(value) ? value : undefined;
}

/** An Azure blob source's whole-file MD5, recorded as is (it describes the source, not this answer). */
export function azureBlobMd5(response: AcsResponse): { sourceContentMd5?: string } {
  const value = response.headers.get("x-ms-blob-content-md5")?.trim();
  return value && /^[A-Za-z0-9+/]{22}==$/.test(value) ? { sourceContentMd5: value } : {};
}
