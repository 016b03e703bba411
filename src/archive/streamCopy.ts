import { TransferInterruptedError } from "../errors";

export interface CopyOptions {
  /** Abort the body when no byte arrives for this long. */
  readonly idleTimeoutMs: number;
  readonly signal?: AbortSignal;
  /** Bytes of the body to discard first (a server that ignored Range sent them again). */
  readonly skip?: number;
  /** Called with each copied piece, in order. */
  readonly onBytes?: (bytes: number) => void;
  /**
   * The body may hold more than `length` bytes (a whole file when we need a part): stop reading there.
   * Otherwise the body must end exactly at `length`, and extra bytes are an error.
   */
  readonly stopAtLength?: boolean;
}

/**
 * Copies exactly `length` body bytes into `target` at `offset`. Stops reading (and destroys the body)
 * once `length` bytes arrived; throws TransferInterruptedError when the body ends early, stalls, or
 * breaks. Bytes copied before a failure are reported through `onBytes`, so a retry can resume.
 */
export async function copyBodyInto(body: NodeJS.ReadableStream, target: Buffer, offset: number, length: number, options: CopyOptions): Promise<void> {
  const stream = body as NodeJS.ReadableStream & { destroy?: (error?: Error) => void };
  let copied = 0;
  let complete = false;
  let toSkip = options.skip ?? 0;
  let idle: NodeJS.Timeout | undefined;
  const armIdle = (): void => {
    clearTimeout(idle);
    idle = setTimeout(() => stream.destroy?.(new TransferInterruptedError(`no data for ${options.idleTimeoutMs} ms`)), options.idleTimeoutMs);
  };
  const onAbort = (): void => stream.destroy?.(new TransferInterruptedError("the transfer was cancelled"));
  options.signal?.addEventListener("abort", onAbort, { once: true });
  armIdle();
  try {
    for await (const piece of stream as AsyncIterable<Buffer>) {
      armIdle();
      let data = piece;
      if (toSkip > 0) {
        const dropped = Math.min(toSkip, data.length);
        toSkip -= dropped;
        data = data.subarray(dropped);
      }
      const take = Math.min(data.length, length - copied);
      if (take < data.length && !options.stopAtLength) throw new TransferInterruptedError(`the body holds more than the ${length} bytes promised`);
      data.copy(target, offset + copied, 0, take);
      copied += take;
      if (take > 0) options.onBytes?.(take);
      if (copied >= length && options.stopAtLength) break;
    }
    complete = copied >= length;
  } catch (error) {
    throw error instanceof TransferInterruptedError
      ? error
      : new TransferInterruptedError(`the body broke after ${copied} of ${length} bytes: ${(error as Error).message}`, { cause: error });
  } finally {
    clearTimeout(idle);
    options.signal?.removeEventListener("abort", onAbort);
    // A body read to its end leaves the keep-alive connection reusable; anything else is torn down.
    if (!complete || options.stopAtLength) stream.destroy?.();
  }
  if (copied < length) throw new TransferInterruptedError(`the body ended after ${copied} of ${length} bytes`);
}
