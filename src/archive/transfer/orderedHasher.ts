import { createHash, type Hash } from "node:crypto";

/**
 * SHA-256 of blocks that finish out of order, computed as one stream in block order. A block handed in early is
 * held until its predecessors are hashed; `onHashed` then lets its buffer go back to the pool.
 */
export class OrderedHasher {
  private readonly hash: Hash = createHash("sha256");
  private readonly pending = new Map<number, { data: Buffer; onHashed: () => void }>();
  private abandoned = false;

  constructor(private next: number) {}

  add(index: number, data: Buffer, onHashed: () => void): void {
    // After a failure no digest is wanted: a block whose staging ended late must not be held (its buffer would never
    // go back to the memory budget).
    if (this.abandoned) return onHashed();
    this.pending.set(index, { data, onHashed });
    for (let entry = this.pending.get(this.next); entry; entry = this.pending.get(this.next)) {
      this.pending.delete(this.next);
      this.hash.update(entry.data);
      entry.onHashed();
      this.next += 1;
    }
  }

  /** Releases held blocks without hashing them (after a failure), and every block handed in later at once. */
  abandon(): void {
    this.abandoned = true;
    for (const entry of this.pending.values()) entry.onHashed();
    this.pending.clear();
  }

  digest(): Buffer {
    return this.hash.digest();
  }
}
