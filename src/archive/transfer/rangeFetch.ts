import type { AcsResponse } from "../../acs/acsRecordingClient";
import { AcsHttpError, TransferInterruptedError } from "../../errors";
import { discardBody } from "../../shared/bodyReading";
import { parseContentRange, type PlannedBlock, type PlannedRange } from "./blockPlan";
import { BodyReader } from "./bodyReader";
import { withRetries } from "../retryPolicy";
import { expectSameSource, unsatisfiedRangeError } from "./sourceSize";
import type { TransferContext } from "./transferContext";

/** Where a range's buffers come from (its chunk's share of the memory budget) and go back to. */
export interface RangeBuffers {
  acquire(): Promise<Buffer>;
  release(buffer: Buffer): void;
}

export type RangeContext = TransferContext & {
  readonly buffers: RangeBuffers;
  readonly isStaged: (block: PlannedBlock) => boolean;
  /** The source's size, as the first answer declared it: every answer must agree. */
  readonly total: number;
};

/**
 * Streams one range and hands each completed block to `stage` (with the budget's buffer that holds it).
 * Blocks already staged are read past, and reported through `skipped`. A broken or short answer is
 * resumed by Range from the last byte received; attempts that made progress do not use up retries.
 * A range whose bytes are all in is done, whatever happens to the connection afterwards. `firstBuffer`: a
 * buffer acquired before the range's GET is sent, so that no connection waits open for memory.
 */
export async function fetchRange(
  context: RangeContext,
  planned: PlannedRange,
  firstResponse: AcsResponse | undefined,
  stage: (block: PlannedBlock, data: Buffer, buffer: Buffer) => void,
  skipped: () => void,
  firstBuffer?: Buffer,
): Promise<void> {
  const first = planned.blocks.findIndex((block) => !context.isStaged(block));
  const blocks = planned.blocks.slice(first);
  for (let i = 0; i < first; i++) skipped();
  const cursor: RangeCursor = { position: blocks[0]?.start ?? planned.end, current: 0, buffer: firstBuffer };
  let pending = firstResponse;
  const options = { ...retryOptions(context, `Range ${planned.index}`), progress: () => cursor.position };
  await withRetries(async () => {
    while (cursor.position < planned.end) {
      const response =
        pending ??
        (await context.acs.get(context.url, {
          field: context.field,
          range: { start: cursor.position, end: planned.end - 1 },
          abortSignal: context.abortSignal,
        }));
      pending = undefined;
      await readAnswer(context, planned, blocks, cursor, response, stage, skipped);
    }
  }, options).catch((error: unknown) => {
    if (cursor.buffer) context.buffers.release(cursor.buffer);
    throw error;
  });
}

interface RangeCursor {
  position: number;
  current: number;
  buffer: Buffer | undefined;
}

/** One answer for the rest of a range: checked against the source's size, then read block by block. */
async function readAnswer(
  context: RangeContext,
  planned: PlannedRange,
  blocks: readonly PlannedBlock[],
  cursor: RangeCursor,
  response: AcsResponse,
  stage: (block: PlannedBlock, data: Buffer, buffer: Buffer) => void,
  skipped: () => void,
): Promise<void> {
  // Inside a known size a 416 is the server's mistake (or a replica behind): transient, never permanent.
  if (response.status === 416)
    throw unsatisfiedRangeError(context.total, response, `bytes ${cursor.position}-${planned.end - 1}`);
  if (!response.body) throw new AcsHttpError(response.status, "A ranged GET", "no body");
  const answer = parseContentRange(response.headers.get("content-range"));
  const ignoredRange = response.status === 200;
  try {
    expectSameSource(context.total, response);
    if (!ignoredRange && (!answer || answer.start !== cursor.position || answer.end < cursor.position)) {
      throw new TransferInterruptedError(
        `asked for bytes ${cursor.position}-${planned.end - 1}, got ${response.headers.get("content-range") ?? "no Content-Range"}`,
      );
    }
  } catch (error) {
    discardBody(response.body);
    throw error;
  }
  // A server may answer with less than asked (the caller asks again for the rest).
  const answerEnd = ignoredRange ? planned.end : Math.min(planned.end, (answer?.end ?? 0) + 1);
  const reader = new BodyReader(response.body, context.idleTimeoutMs, { abortSignal: context.abortSignal });
  if (ignoredRange) await reader.skip(cursor.position);
  while (cursor.position < answerEnd) {
    const block = blocks[cursor.current] as PlannedBlock;
    const upTo = Math.min(block.end, answerEnd);
    if (context.isStaged(block)) {
      await reader.skip(upTo - cursor.position);
      cursor.position = upTo;
    } else {
      cursor.buffer ??= await context.buffers.acquire();
      await reader.read(cursor.buffer, cursor.position - block.start, upTo - cursor.position, (bytes) => {
        cursor.position += bytes;
        context.received.bytes += bytes;
      });
    }
    if (cursor.position === block.end) {
      if (context.isStaged(block)) skipped();
      else stage(block, (cursor.buffer as Buffer).subarray(0, block.end - block.start), cursor.buffer as Buffer);
      cursor.buffer = undefined;
      cursor.current += 1;
    }
  }
  if (ignoredRange || answerEnd < (answer?.end ?? 0) + 1) reader.destroy();
  else if (cursor.position < planned.end) await reader.end();
  else await reader.end().catch(() => undefined); // the range is complete: a connection dropped now costs nothing
}

export function retryOptions(context: TransferContext, what: string): Parameters<typeof withRetries>[1] {
  return {
    policy: context.retry,
    deadlinePassed: context.deadlinePassed,
    abortSignal: context.abortSignal,
    onRetry: (error, delay, attempt) =>
      context.log.warn(
        `${what} of ${context.blob.name} failed (attempt ${attempt}: ${error instanceof Error ? error.message : String(error)}); retrying in ${Math.round(delay)} ms.`,
      ),
  };
}
