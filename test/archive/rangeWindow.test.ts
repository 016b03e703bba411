import { describe, expect, it } from "vitest";
import { RangeWindow } from "../../src/archive/transfer/rangeWindow";

/** Which of `entries` have resolved, after pending promise callbacks ran. */
async function settled(entries: ReadonlyMap<number, Promise<void>>): Promise<number[]> {
  const done: number[] = [];
  for (const [position, entry] of entries) void entry.then(() => done.push(position));
  await new Promise((resolve) => setImmediate(resolve));
  return done.sort((a, b) => a - b);
}

describe("RangeWindow", () => {
  it("lets in only the `width` oldest unfinished ranges, and moves on as the oldest finish", async () => {
    const window = new RangeWindow(2);
    const entries = new Map([0, 1, 2, 3, 4].map((position) => [position, window.enter(position)]));
    expect(await settled(entries)).toEqual([0, 1]);

    window.finish(1); // not the oldest: the window does not move
    expect(await settled(entries)).toEqual([0, 1]);

    window.finish(0); // 0 and 1 done: 2 and 3 are now the oldest unfinished
    expect(await settled(entries)).toEqual([0, 1, 2, 3]);

    window.finish(3);
    window.finish(2);
    expect(await settled(entries)).toEqual([0, 1, 2, 3, 4]);
  });

  it("open() wakes every waiter and admits everything after a failure", async () => {
    const window = new RangeWindow(1);
    const entries = new Map([0, 5, 9].map((position) => [position, window.enter(position)]));
    expect(await settled(entries)).toEqual([0]);
    window.open();
    expect(await settled(entries)).toEqual([0, 5, 9]);
    expect(await settled(new Map([[1_000, window.enter(1_000)]]))).toEqual([1_000]);
  });
});
