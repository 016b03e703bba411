import { TransferInterruptedError } from "../errors";

/**
 * The one way this codebase reads an HTTP body (responses from ACS and Storage, the requests of the HTTP functions
 * through src/http/requestBody.ts, the simulator's request bodies): every read has a deadline (no data for `idleTimeoutMs` drops the
 * connection) and, through `readBounded`, a size bound. Bodies are streams we may not have asked to
 * stream: never buffer one without these two limits.
 */
export interface BodyLimits {
  /** Drop the body when no data arrives for this long, while we wait for it. Omit only for local input. */
  readonly idleTimeoutMs?: number;
  readonly abortSignal?: AbortSignal;
}

type Body = NodeJS.ReadableStream | AsyncIterable<Uint8Array | string>;

/** Drops a body we will not read further (and its connection: a half-read body cannot be reused). */
export function discardBody(body: Body | undefined): void {
  const stream = body as { destroy?: () => void; cancel?: () => Promise<void> } | undefined;
  if (typeof stream?.destroy === "function") stream.destroy();
  else if (typeof stream?.cancel === "function") stream.cancel().catch(() => undefined);
}

/**
 * Yields the body's pieces as Buffers. The idle clock runs only while we wait for the next piece (a
 * slow consumer is not a stalled server). A stall, a broken connection or an abort fails with
 * TransferInterruptedError and drops the body; so does leaving the loop early.
 */
export async function* guardIdle(body: Body, limits: BodyLimits = {}): AsyncGenerator<Buffer, void, undefined> {
  const iterator = (body as AsyncIterable<Uint8Array | string>)[Symbol.asyncIterator]();
  let finished = false;
  try {
    for (;;) {
      const next = await nextWithin(iterator, limits);
      if (next.done) {
        finished = true;
        return;
      }
      yield typeof next.value === "string"
        ? Buffer.from(next.value)
        : Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength);
    }
  } finally {
    if (!finished) discardBody(body);
  }
}

/**
 * Reads at most `maxBytes` of a body. `complete` is false when the body held more: the rest is not
 * read and the connection is dropped. Use it for every body that is not streamed elsewhere.
 */
export async function readBounded(
  body: Body,
  maxBytes: number,
  limits: BodyLimits = {},
): Promise<{ bytes: Buffer; complete: boolean }> {
  const pieces: Buffer[] = [];
  let size = 0;
  for await (const piece of guardIdle(body, limits)) {
    const room = maxBytes - size;
    if (piece.length > room) {
      pieces.push(piece.subarray(0, room));
      return { bytes: Buffer.concat(pieces, maxBytes), complete: false };
    }
    pieces.push(piece);
    size += piece.length;
  }
  return { bytes: Buffer.concat(pieces, size), complete: true };
}

async function nextWithin<T>(iterator: AsyncIterator<T>, limits: BodyLimits): Promise<IteratorResult<T>> {
  const { idleTimeoutMs, abortSignal: signal } = limits;
  if (signal?.aborted) throw new TransferInterruptedError("the transfer was cancelled");
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const stop = new Promise<never>((_, reject) => {
    if (idleTimeoutMs !== undefined)
      timer = setTimeout(() => reject(new TransferInterruptedError(`no data for ${idleTimeoutMs} ms`)), idleTimeoutMs);
    onAbort = () => reject(new TransferInterruptedError("the transfer was cancelled"));
    signal?.addEventListener("abort", onAbort, { once: true });
  });
  try {
    const next = iterator.next();
    next.catch(() => undefined); // settles after a timeout or abort too, when the body is dropped
    return await Promise.race([next, stop]);
  } catch (error) {
    if (error instanceof TransferInterruptedError) throw error;
    throw new TransferInterruptedError(`the body broke: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  } finally {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener("abort", onAbort);
  }
}
