import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { OrderedHasher } from "../../src/archive/transfer/orderedHasher";

const blocks = [Buffer.from("alpha-"), Buffer.from("bravo-"), Buffer.from("charlie-"), Buffer.from("delta")];
const whole = createHash("sha256").update(Buffer.concat(blocks)).digest();

describe("OrderedHasher", () => {
  it.each([[[0, 1, 2, 3]], [[3, 2, 1, 0]], [[2, 0, 3, 1]]])(
    "hashes blocks handed in as %j as one stream in block order",
    (order) => {
      const hasher = new OrderedHasher(0);
      for (const index of order) hasher.add(index, blocks[index] ?? Buffer.alloc(0), () => undefined);
      expect(hasher.digest()).toEqual(whole);
    },
  );

  it("releases a block only once it and all its predecessors are hashed", () => {
    const hasher = new OrderedHasher(0);
    const released: number[] = [];
    hasher.add(2, blocks[2] ?? Buffer.alloc(0), () => released.push(2));
    hasher.add(1, blocks[1] ?? Buffer.alloc(0), () => released.push(1));
    expect(released).toEqual([]);
    hasher.add(0, blocks[0] ?? Buffer.alloc(0), () => released.push(0));
    expect(released).toEqual([0, 1, 2]);
  });

  it("starts at a resumed block index", () => {
    const hasher = new OrderedHasher(2);
    hasher.add(3, blocks[3] ?? Buffer.alloc(0), () => undefined);
    hasher.add(2, blocks[2] ?? Buffer.alloc(0), () => undefined);
    expect(hasher.digest()).toEqual(
      createHash("sha256")
        .update(Buffer.concat([blocks[2] ?? Buffer.alloc(0), blocks[3] ?? Buffer.alloc(0)]))
        .digest(),
    );
  });

  it("abandon() releases held blocks without hashing them, and every block handed in later at once", () => {
    const hasher = new OrderedHasher(2);
    const released: number[] = [];
    hasher.add(3, blocks[3] ?? Buffer.alloc(0), () => released.push(3));
    hasher.abandon();
    expect(released).toEqual([3]);
    // A block whose staging ended after the failure: held by nobody, its buffer goes back at once.
    hasher.add(5, Buffer.from("late"), () => released.push(5));
    expect(released).toEqual([3, 5]);
  });
});
