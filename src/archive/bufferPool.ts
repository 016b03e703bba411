/**
 * A fixed set of block buffers. Holding one is the permit to work on a block, so memory stays at
 * `count x size` however large the chunk is, and buffers are reused instead of re-allocated.
 */
export class BufferPool {
  private readonly free: Buffer[] = [];
  private readonly waiting: { resolve: (buffer: Buffer) => void; reject: (reason: unknown) => void }[] = [];
  private closedBy: { reason: unknown } | undefined;

  constructor(
    count: number,
    private readonly size: number,
  ) {
    for (let i = 0; i < count; i++) this.free.push(Buffer.allocUnsafeSlow(size));
  }

  get bufferSize(): number {
    return this.size;
  }

  acquire(): Promise<Buffer> {
    if (this.closedBy) return Promise.reject(this.closedBy.reason);
    const buffer = this.free.pop();
    if (buffer) return Promise.resolve(buffer);
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  release(buffer: Buffer): void {
    const next = this.waiting.shift();
    if (next) next.resolve(buffer);
    else this.free.push(buffer);
  }

  /** After a failure: every waiting and future `acquire` fails with `reason`, so no worker hangs. */
  close(reason: unknown): void {
    this.closedBy ??= { reason };
    for (const waiter of this.waiting.splice(0)) waiter.reject(reason);
  }
}
