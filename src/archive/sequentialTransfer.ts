import { createHash } from "node:crypto";
import type { AcsResponse } from "../acs/acsRecordingClient";
import { AcsHttpError, TransferInterruptedError } from "../errors";
import { blockBounds, blockId, parseContentRange } from "./blockPlan";
import type { MediaTransferResult } from "./mediaTransfer";
import { withRetries } from "./retryPolicy";
import { stageBlock, type TransferContext } from "./transferContext";

/**
 * For a server that ignores Range (blocks laid out exactly as in the ranged path, so either path can
 * resume the other's blocks) (200, whole body): one stream, cut into blocks as it arrives and
 * staged block by block (one buffer). After a failure it asks again with Range from the last complete
 * block, and if the server still sends everything, skips what is already staged.
 */
export async function sequentialTransfer(context: TransferContext, first: AcsResponse, staged: Map<string, number>): Promise<MediaTransferResult> {
  const declared = contentLength(first);
  const hash = createHash("sha256");
  const buffer = Buffer.allocUnsafeSlow(blockBounds(0, context.blockSize).end);
  const ids: string[] = [];
  let offset = 0;
  let fill = 0;
  let resumed = 0;
  let pending: AcsResponse | undefined = first;

  const blockSize = (index: number): number => {
    const bounds = blockBounds(index, context.blockSize);
    return bounds.end - bounds.start;
  };
  const flush = async (): Promise<void> => {
    const id = blockId(ids.length, context.blockSize);
    const data = buffer.subarray(0, fill);
    if (staged.get(id) === fill) resumed += 1;
    else await stageBlock(context, id, data);
    hash.update(data);
    ids.push(id);
    offset += fill;
    fill = 0;
  };

  await withRetries(
    async () => {
      fill = 0;
      const response: AcsResponse = pending ?? (await context.acs.get(context.url, { field: context.field, range: { start: offset }, abortSignal: context.signal }));
      pending = undefined;
      if (!response.body) throw new AcsHttpError(response.status, "GET", "no body");
      let skip = response.status === 200 ? offset : 0;
      if (response.status === 206 && parseContentRange(response.headers.get("content-range"))?.start !== offset) {
        response.body.resume();
        throw new TransferInterruptedError(`asked for bytes from ${offset}, got ${response.headers.get("content-range") ?? "no Content-Range"}`);
      }
      for await (const piece of idleGuarded(response.body, context)) {
        let data = piece;
        if (skip > 0) {
          const dropped = Math.min(skip, data.length);
          skip -= dropped;
          data = data.subarray(dropped);
        }
        context.received.bytes += data.length;
        while (data.length > 0) {
          const size = blockSize(ids.length);
          const take = Math.min(data.length, size - fill);
          data.copy(buffer, fill, 0, take);
          fill += take;
          data = data.subarray(take);
          if (fill === size) await flush();
        }
      }
      if (declared !== undefined && offset + fill !== declared) {
        throw new TransferInterruptedError(`the body ended after ${offset + fill} of ${declared} bytes`);
      }
      if (fill > 0) await flush();
    },
    { policy: context.retry, deadlinePassed: context.deadlinePassed, signal: context.signal, progress: () => offset },
  );
  return { bytes: offset, blockIds: ids, ...(resumed === 0 ? { contentSha256: hash.digest("hex") } : {}), ...sourceHash(first), resumedBlocks: resumed, mode: "sequential" };
}

/** A whole-file hash the source volunteered (Content-MD5 on a full answer, or Azure's x-ms-blob-content-md5). */
export function sourceHash(response: AcsResponse): { sourceContentMd5?: string } {
  const value = response.headers.get("x-ms-blob-content-md5") ?? (response.status === 200 ? response.headers.get("content-md5") : undefined);
  return value && /^[A-Za-z0-9+/]{22}==$/.test(value) ? { sourceContentMd5: value } : {};
}

function contentLength(response: AcsResponse): number | undefined {
  const value = response.headers.get("content-length");
  return value && /^\d+$/.test(value) ? Number(value) : undefined;
}

/** Yields the body's pieces; fails with TransferInterruptedError when it stalls or breaks. */
async function* idleGuarded(body: NodeJS.ReadableStream, context: TransferContext): AsyncGenerator<Buffer> {
  const stream = body as NodeJS.ReadableStream & { destroy: (error?: Error) => void };
  let idle: NodeJS.Timeout | undefined;
  const arm = (): void => {
    clearTimeout(idle);
    idle = setTimeout(() => stream.destroy(new TransferInterruptedError(`no data for ${context.idleTimeoutMs} ms`)), context.idleTimeoutMs);
  };
  const onAbort = (): void => stream.destroy(new TransferInterruptedError("the transfer was cancelled"));
  context.signal.addEventListener("abort", onAbort, { once: true });
  arm();
  try {
    for await (const piece of stream as AsyncIterable<Buffer>) {
      arm();
      yield piece;
    }
  } catch (error) {
    throw error instanceof TransferInterruptedError ? error : new TransferInterruptedError(`the body broke: ${(error as Error).message}`, { cause: error });
  } finally {
    clearTimeout(idle);
    context.signal.removeEventListener("abort", onAbort);
  }
}
