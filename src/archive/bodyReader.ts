import { TransferInterruptedError } from "../errors";

/**
 * Reads a response body piece by piece into caller buffers, keeping the stream open between reads.
 * A read that sees no data for `idleTimeoutMs`, an early end, or a broken stream fails with
 * TransferInterruptedError; bytes already copied are reported through `onBytes` so the caller can resume.
 */
export class BodyReader {
  private readonly iterator: AsyncIterator<Buffer>;
  private leftover: Buffer | undefined;

  constructor(
    private readonly stream: NodeJS.ReadableStream,
    private readonly idleTimeoutMs: number,
    private readonly signal: AbortSignal,
  ) {
    this.iterator = (stream as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  }

  /** Copies exactly `length` bytes into `target` at `offset`. */
  async read(target: Buffer, offset: number, length: number, onBytes: (bytes: number) => void): Promise<void> {
    let copied = 0;
    while (copied < length) {
      const piece = await this.nextPiece();
      const take = Math.min(piece.length, length - copied);
      piece.copy(target, offset + copied, 0, take);
      if (take < piece.length) this.leftover = piece.subarray(take);
      copied += take;
      onBytes(take);
    }
  }

  /** Reads and drops `length` bytes. */
  async skip(length: number): Promise<void> {
    let dropped = 0;
    while (dropped < length) {
      const piece = await this.nextPiece();
      const take = Math.min(piece.length, length - dropped);
      if (take < piece.length) this.leftover = piece.subarray(take);
      dropped += take;
    }
  }

  /** The body must end here: more bytes than promised is an error. Leaves the connection reusable. */
  async end(): Promise<void> {
    if (this.leftover && this.leftover.length > 0) throw this.fail(new TransferInterruptedError("the body holds more bytes than promised"));
    const rest = await this.timed(this.iterator.next());
    if (!rest.done && rest.value.length > 0) throw this.fail(new TransferInterruptedError("the body holds more bytes than promised"));
  }

  /** Drops the connection (after a failure, or when the rest of the body is not wanted). */
  destroy(): void {
    (this.stream as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
  }

  private async nextPiece(): Promise<Buffer> {
    if (this.leftover && this.leftover.length > 0) {
      const piece = this.leftover;
      this.leftover = undefined;
      return piece;
    }
    const next = await this.timed(this.iterator.next());
    if (next.done) throw this.fail(new TransferInterruptedError("the body ended before all promised bytes arrived"));
    return next.value;
  }

  private async timed<T>(step: Promise<T>): Promise<T> {
    if (this.signal.aborted) throw this.fail(new TransferInterruptedError("the transfer was cancelled"));
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const stop = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new TransferInterruptedError(`no data for ${this.idleTimeoutMs} ms`)), this.idleTimeoutMs);
      onAbort = () => reject(new TransferInterruptedError("the transfer was cancelled"));
      this.signal.addEventListener("abort", onAbort, { once: true });
    });
    try {
      return await Promise.race([step, stop]);
    } catch (error) {
      throw this.fail(error instanceof TransferInterruptedError ? error : new TransferInterruptedError(`the body broke: ${(error as Error).message}`, { cause: error }));
    } finally {
      clearTimeout(timer);
      if (onAbort) this.signal.removeEventListener("abort", onAbort);
    }
  }

  private fail(error: TransferInterruptedError): TransferInterruptedError {
    this.destroy();
    return error;
  }
}
