import { TransferInterruptedError } from "../../errors";
import { discardBody, guardIdle } from "../../shared/bodyReading";
import type { AbortOptions } from "../../shared/cancellation";

/**
 * Reads a response body piece by piece into caller buffers, keeping the stream open between reads
 * (the idle clock runs only while a read waits: see guardIdle). An early end, a stall or a broken
 * stream fails with TransferInterruptedError; bytes already copied are reported through `onBytes`
 * so the caller can resume.
 */
export class BodyReader {
  private readonly pieces: AsyncGenerator<Buffer, void, undefined>;
  private leftover: Buffer | undefined;

  constructor(
    private readonly stream: NodeJS.ReadableStream,
    idleTimeoutMs: number,
    { abortSignal: signal }: Required<AbortOptions>,
  ) {
    this.pieces = guardIdle(stream, { idleTimeoutMs, abortSignal: signal });
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

  /** Reads and drops `length` bytes, handing each piece to `onPiece` (to hash what is skipped). */
  async skip(length: number, onPiece?: (piece: Buffer) => void): Promise<void> {
    let dropped = 0;
    while (dropped < length) {
      const piece = await this.nextPiece();
      const take = Math.min(piece.length, length - dropped);
      if (take < piece.length) this.leftover = piece.subarray(take);
      onPiece?.(piece.subarray(0, take));
      dropped += take;
    }
  }

  /** The body must end here: more bytes than promised is an error. Leaves the connection reusable. */
  async end(): Promise<void> {
    if (this.leftover && this.leftover.length > 0) throw this.fail("the body holds more bytes than promised");
    const rest = await this.pieces.next();
    if (!rest.done && rest.value.length > 0) throw this.fail("the body holds more bytes than promised");
  }

  /** Drops the connection (after a failure, or when the rest of the body is not wanted). */
  destroy(): void {
    discardBody(this.stream);
  }

  private async nextPiece(): Promise<Buffer> {
    if (this.leftover && this.leftover.length > 0) {
      const piece = this.leftover;
      this.leftover = undefined;
      return piece;
    }
    const next = await this.pieces.next();
    if (next.done) throw this.fail("the body ended before all promised bytes arrived");
    return next.value;
  }

  private fail(problem: string): TransferInterruptedError {
    this.destroy();
    return new TransferInterruptedError(problem);
  }
}
