/**
 * Lets range `position` start only while it is among the `width` oldest unfinished ranges. With
 * in-order hashing this bounds how many ranges hold buffers, so the oldest range always gets one.
 */
export class RangeWindow {
  private frontier = 0;
  private readonly finished = new Set<number>();
  private waiters: { position: number; resolve: () => void }[] = [];

  constructor(private readonly width: number) {}

  enter(position: number): Promise<void> {
    if (position < this.frontier + this.width) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ position, resolve }));
  }

  /** Whether `position` is the oldest unfinished range (the one whose progress everything else waits for). */
  isOldest(position: number): boolean {
    return position === this.frontier;
  }

  finish(position: number): void {
    this.finished.add(position);
    while (this.finished.delete(this.frontier)) this.frontier += 1;
    const ready = this.waiters.filter((waiter) => waiter.position < this.frontier + this.width);
    this.waiters = this.waiters.filter((waiter) => waiter.position >= this.frontier + this.width);
    for (const waiter of ready) waiter.resolve();
  }

  /** Wakes everyone (after a failure the workers see the abort and stop). */
  open(): void {
    this.frontier = Number.MAX_SAFE_INTEGER / 2;
    for (const waiter of this.waiters.splice(0)) waiter.resolve();
  }
}
