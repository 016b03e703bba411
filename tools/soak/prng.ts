import { createHash } from "node:crypto";

/**
 * A small seeded PRNG (sfc32), so a soak run is reproducible from its seed. Each concern derives its own
 * stream (`derive("faults")`, `derive("kill", chunkKey)`), so adding draws to one never shifts another.
 */
export class Prng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(
    readonly seed: number,
    label = "",
  ) {
    const digest = createHash("sha256").update(`${seed}:${label}`).digest();
    this.a = digest.readUInt32LE(0);
    this.b = digest.readUInt32LE(4);
    this.c = digest.readUInt32LE(8);
    this.d = digest.readUInt32LE(12);
    for (let i = 0; i < 12; i++) this.next();
  }

  /** A new independent stream for a named concern. */
  derive(...labels: (string | number)[]): Prng {
    return new Prng(this.seed, labels.join("/"));
  }

  /** Uniform in [0, 1). */
  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return (t >>> 0) / 4294967296;
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  /** Integer in [min, max], both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** Real in [min, max). */
  real(min: number, max: number): number {
    return min + this.next() * (max - min);
  }

  /** Integer spread evenly on a log scale over [min, max]. */
  logUniform(min: number, max: number): number {
    return Math.round(Math.exp(this.real(Math.log(min), Math.log(max))));
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError("pick from an empty list");
    return items[Math.floor(this.next() * items.length)] as T;
  }

  shuffle<T>(items: readonly T[]): T[] {
    const copy = [...items];
    for (let i = copy.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
    }
    return copy;
  }
}

/** A fresh random seed (printed, so a failing run can be replayed with --seed). */
export function randomSeed(): number {
  return Math.floor(Math.random() * 2 ** 31);
}
