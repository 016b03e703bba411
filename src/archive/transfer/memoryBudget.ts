/**
 * ARCHIVE_MEMORY_BUDGET's default, 1 GiB: a Flex Consumption instance of 2,048 MB holds the Functions host
 * (a few hundred MB), the Node.js worker beside its buffers (measured: at most about 150 MiB more than the
 * budget), and keeps a few hundred MB of headroom (docs/settings.md).
 */
export const DEFAULT_MEMORY_BUDGET = 1024 * 1024 * 1024;

/**
 * The process's memory for chunk data (ARCHIVE_MEMORY_BUDGET): one budget shared by every chunk in flight, in
 * buffers of one size (a staged block, at most 2 MiB). Buffers are reused, never freed, and never more than
 * `capacity` exist, so the bytes the archiver holds for media stay within the budget whatever the mix of chunks.
 *
 * - **Admission**: a chunk first gets its floor (first come, first served, all or nothing): the buffers it cannot
 *   work without (a small chunk: all it needs; a large one: one). A chunk waiting to be admitted holds nothing.
 * - **Progress**: the floor stays with the chunk until it ends, for its most urgent work (the oldest unfinished
 *   range), so every admitted chunk can always move on, however many buffers other chunks hold: no deadlock.
 * - **Fairness**: further buffers are granted one at a time, to the waiting chunk that holds the fewest, and only
 *   while no chunk waits to be admitted: a large chunk cannot keep every buffer while small ones wait.
 */
export class MemoryBudget {
  /** Buffers the budget allows. */
  readonly capacity: number;
  private granted = 0;
  private allocated = 0;
  private highWater = 0;
  private readonly free: Buffer[] = [];
  private readonly admissions: Admission[] = [];
  private readonly requests: ExtraRequest[] = [];
  private sequence = 0;

  constructor(
    readonly limitBytes: number,
    readonly bufferBytes: number,
    /** Told how long each admitted chunk waited for its floor (telemetry). */
    private readonly onAdmitted: (waitedMs: number) => void = () => undefined,
  ) {
    if (!Number.isSafeInteger(bufferBytes) || bufferBytes < 1)
      throw new RangeError(`a buffer must be at least one byte; got ${bufferBytes}`);
    this.capacity = Math.floor(limitBytes / bufferBytes);
    if (this.capacity < 1)
      throw new RangeError(`a budget of ${limitBytes} bytes holds no buffer of ${bufferBytes} bytes`);
  }

  /** Buffers needed to hold `bytes` (a small chunk's whole body). */
  buffersFor(bytes: number): number {
    return Math.ceil(bytes / this.bufferBytes);
  }

  /**
   * Admits one chunk with `floor` buffers (0 for an empty chunk), waiting in line until they are free. Rejects at
   * once when the floor can never fit, and with the signal's reason when `abortSignal` fires first.
   */
  admit(floor: number, options: { abortSignal?: AbortSignal } = {}): Promise<BufferLease> {
    if (!Number.isSafeInteger(floor) || floor < 0 || floor > this.capacity) {
      return Promise.reject(
        new RangeError(
          `a chunk needing ${floor} buffers of ${this.bufferBytes} bytes can never fit a budget of ${this.capacity}`,
        ),
      );
    }
    const { abortSignal } = options;
    if (abortSignal?.aborted)
      return Promise.reject(
        abortSignal.reason instanceof Error
          ? abortSignal.reason
          : new Error("admission to the memory budget was aborted"),
      );
    const asked = performance.now();
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        const at = this.admissions.indexOf(admission);
        if (at < 0) return;
        this.admissions.splice(at, 1);
        reject(
          abortSignal?.reason instanceof Error
            ? abortSignal.reason
            : new Error("admission to the memory budget was aborted"),
        );
        this.pump();
      };
      const admission: Admission = {
        floor,
        grant: (lease) => {
          abortSignal?.removeEventListener("abort", onAbort);
          this.onAdmitted(performance.now() - asked);
          resolve(lease);
        },
      };
      abortSignal?.addEventListener("abort", onAbort, { once: true });
      this.admissions.push(admission);
      this.pump();
    });
  }

  /** What the budget holds now and at most so far (bytes), and who waits. */
  usage(): {
    heldBytes: number;
    highWaterBytes: number;
    allocatedBytes: number;
    waitingChunks: number;
    waitingBuffers: number;
  } {
    return {
      heldBytes: this.granted * this.bufferBytes,
      highWaterBytes: this.highWater * this.bufferBytes,
      allocatedBytes: this.allocated * this.bufferBytes,
      waitingChunks: this.admissions.length,
      waitingBuffers: this.requests.length,
    };
  }

  /** @internal A lease asks for one more buffer; `request.grant` is called when it is its turn. */
  request(request: Omit<ExtraRequest, "sequence">): ExtraRequest {
    const queued = { ...request, sequence: this.sequence++ };
    this.requests.push(queued);
    this.pump();
    return queued;
  }

  /** @internal A request that is no longer wanted (its waiter got a reserved buffer, or the chunk ended). */
  cancel(request: ExtraRequest): void {
    const at = this.requests.indexOf(request);
    if (at >= 0) this.requests.splice(at, 1);
  }

  /** @internal A buffer comes back from a lease. */
  giveBack(buffer: Buffer): void {
    this.granted -= 1;
    this.free.push(buffer);
    this.pump();
  }

  private take(): Buffer {
    this.granted += 1;
    this.highWater = Math.max(this.highWater, this.granted);
    const reused = this.free.pop();
    if (reused) return reused;
    this.allocated += 1;
    return Buffer.allocUnsafeSlow(this.bufferBytes);
  }

  private pump(): void {
    // Admissions first, in order: while one waits, freed buffers are kept for it (nothing overtakes it).
    for (let head = this.admissions[0]; head; head = this.admissions[0]) {
      if (this.granted + head.floor > this.capacity) return;
      this.admissions.shift();
      head.grant(
        new BufferLease(
          this,
          Array.from({ length: head.floor }, () => this.take()),
        ),
      );
    }
    while (this.granted < this.capacity && this.requests.length > 0) {
      let chosen = 0;
      for (let i = 1; i < this.requests.length; i++) {
        const candidate = this.requests[i] as ExtraRequest;
        const best = this.requests[chosen] as ExtraRequest;
        if (
          candidate.holding() < best.holding() ||
          (candidate.holding() === best.holding() && candidate.sequence < best.sequence)
        )
          chosen = i;
      }
      const [request] = this.requests.splice(chosen, 1);
      request?.grant(this.take());
    }
  }
}

interface Admission {
  readonly floor: number;
  readonly grant: (lease: BufferLease) => void;
}

interface ExtraRequest {
  readonly sequence: number;
  /** Buffers the asking chunk holds now (the fewest go first). */
  readonly holding: () => number;
  readonly grant: (buffer: Buffer) => void;
}

interface Waiter {
  readonly urgent: () => boolean;
  readonly resolve: (buffer: Buffer) => void;
  readonly reject: (reason: unknown) => void;
  request?: ExtraRequest;
}

/**
 * One chunk's share of the budget: its floor (kept for urgent work until the chunk ends) and the buffers granted
 * on top of it. `acquire` a buffer, `release` it when its bytes are staged; `close` when the chunk ends (or fails).
 */
export class BufferLease {
  private readonly reserved: ReadonlySet<Buffer>;
  private readonly spare: Buffer[];
  private readonly waiters: Waiter[] = [];
  private held: number;
  private closedBy: { reason: unknown } | undefined;

  constructor(
    private readonly budget: MemoryBudget,
    floor: Buffer[],
  ) {
    this.reserved = new Set(floor);
    this.spare = [...floor];
    this.held = floor.length;
  }

  get bufferSize(): number {
    return this.budget.bufferBytes;
  }

  /** Buffers this chunk holds now (its floor included). */
  get holding(): number {
    return this.held;
  }

  /**
   * A buffer. An `urgent` caller (the work the chunk cannot progress without) takes a floor buffer when one is
   * free; otherwise the caller waits for a buffer from the budget, or for a floor buffer once it is urgent and one
   * is free (`reconsider` re-checks urgency when it may have changed).
   */
  acquire(urgent: () => boolean = () => true): Promise<Buffer> {
    if (this.closedBy) return Promise.reject(this.closedBy.reason);
    if (urgent() && this.spare.length > 0) return Promise.resolve(this.spare.pop() as Buffer);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { urgent, resolve, reject };
      this.waiters.push(waiter);
      // Registered before asking: the budget may grant at once, from inside `request`.
      const request = this.budget.request({
        holding: () => this.held,
        grant: (buffer) => {
          this.held += 1;
          this.settle(waiter, buffer);
        },
      });
      if (this.waiters.includes(waiter)) waiter.request = request;
    });
  }

  /** A buffer is done with: a floor buffer stays with the chunk (for an urgent waiter first), any other goes back. */
  release(buffer: Buffer): void {
    if (!this.reserved.has(buffer)) {
      this.held -= 1;
      this.budget.giveBack(buffer);
      return;
    }
    if (this.closedBy) {
      this.held -= 1;
      this.budget.giveBack(buffer);
      return;
    }
    this.spare.push(buffer);
    this.reconsider();
  }

  /** Hands free floor buffers to waiters that have become urgent (say, their range is now the oldest). */
  reconsider(): void {
    while (this.spare.length > 0) {
      const waiter = this.waiters.find((candidate) => candidate.urgent());
      if (!waiter) return;
      if (waiter.request) this.budget.cancel(waiter.request);
      this.settle(waiter, this.spare.pop() as Buffer);
    }
  }

  /**
   * The chunk is over (done or failed): waiting and later `acquire` calls fail with `reason`, free floor buffers
   * go back now and every other buffer as it is released.
   */
  close(reason: unknown = new Error("the chunk's buffers were closed")): void {
    if (this.closedBy) return;
    this.closedBy = { reason };
    for (const waiter of this.waiters.splice(0)) {
      if (waiter.request) this.budget.cancel(waiter.request);
      waiter.reject(reason);
    }
    for (const buffer of this.spare.splice(0)) {
      this.held -= 1;
      this.budget.giveBack(buffer);
    }
  }

  private settle(waiter: Waiter, buffer: Buffer): void {
    const at = this.waiters.indexOf(waiter);
    if (at >= 0) this.waiters.splice(at, 1);
    waiter.resolve(buffer);
  }
}
