import { describe, expect, it } from "vitest";
import { MemoryBudget, type BufferLease } from "../../src/archive/transfer/memoryBudget";
import { Prng } from "../../tools/soak/prng";

/** Lets every pending promise callback run. */
function tick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Which of the tracked promises have resolved so far. */
function tracker<T>(): { track: (label: string, promise: Promise<T>) => Promise<T>; done: string[] } {
  const done: string[] = [];
  return {
    done,
    track: (label, promise) =>
      promise.then((value) => {
        done.push(label);
        return value;
      }),
  };
}

describe("MemoryBudget: admission", () => {
  it("admits chunks first come, first served, all or nothing: a chunk waiting for its floor holds nothing, and none overtakes it", async () => {
    const budget = new MemoryBudget(4 * 1024, 1024);
    expect(budget.capacity).toBe(4);
    const { track, done } = tracker<BufferLease>();
    const a = await budget.admit(3);
    const b = track("b", budget.admit(2));
    const c = track("c", budget.admit(1)); // one buffer is free, but b is first in line
    await tick();
    expect(done).toEqual([]);
    expect(budget.usage()).toMatchObject({ heldBytes: 3 * 1024, waitingChunks: 2 });

    a.close();
    await tick();
    expect(done).toEqual(["b", "c"]);
    expect((await b).holding).toBe(2);
    expect((await c).holding).toBe(1);
    expect(budget.usage().heldBytes).toBe(3 * 1024);
  });

  it("refuses at once a floor that can never fit, and stops waiting when the caller's signal fires", async () => {
    const budget = new MemoryBudget(2 * 1024, 1024);
    await expect(budget.admit(3)).rejects.toThrow(/can never fit/);
    const full = await budget.admit(2);
    const abort = new AbortController();
    const waiting = budget.admit(1, { abortSignal: abort.signal });
    abort.abort(new Error("out of time"));
    await expect(waiting).rejects.toThrow("out of time");
    expect(budget.usage().waitingChunks).toBe(0);
    full.close();
    expect(budget.usage().heldBytes).toBe(0);
  });

  it("admits an empty chunk with no buffer at once, even when the budget is full", async () => {
    const budget = new MemoryBudget(1024, 1024);
    await budget.admit(1);
    expect((await budget.admit(0)).holding).toBe(0);
  });
});

describe("MemoryBudget: buffers beyond the floor", () => {
  it("keeps the floor for urgent work and takes anything else from the budget, handing buffers back when released", async () => {
    const budget = new MemoryBudget(3 * 1024, 1024);
    const lease = await budget.admit(1);
    const urgent = await lease.acquire(() => true);
    const extra = await lease.acquire(() => false);
    expect(extra).not.toBe(urgent);
    expect([lease.holding, budget.usage().heldBytes]).toEqual([2, 2 * 1024]);

    lease.release(extra); // an extra goes back to the budget at once
    expect([lease.holding, budget.usage().heldBytes]).toEqual([1, 1024]);
    lease.release(urgent); // the floor stays with the chunk
    expect([lease.holding, budget.usage().heldBytes]).toEqual([1, 1024]);
    expect(await lease.acquire()).toBe(urgent);
  });

  it("gives a freed floor buffer to a waiter that has become urgent (its range is now the oldest), withdrawing its request", async () => {
    const budget = new MemoryBudget(2 * 1024, 1024);
    const lease = await budget.admit(1);
    const other = await budget.admit(1); // the budget is full
    const floor = await lease.acquire(() => true);
    let oldest = false;
    const { track, done } = tracker<Buffer>();
    const waiting = track(
      "waiting",
      lease.acquire(() => oldest),
    );
    await tick();
    expect(budget.usage().waitingBuffers).toBe(1);

    lease.release(floor); // not urgent yet: the floor buffer stays spare
    lease.reconsider();
    await tick();
    expect(done).toEqual([]);

    oldest = true;
    lease.reconsider();
    expect(await waiting).toBe(floor);
    expect(budget.usage().waitingBuffers).toBe(0);
    other.close();
    expect(budget.usage().heldBytes).toBe(1024);
  });

  it("grants buffers to the chunk holding the fewest first, so a large chunk cannot keep every buffer while a small one waits", async () => {
    const budget = new MemoryBudget(10 * 1024, 1024);
    const large = await budget.admit(1);
    const held = await Promise.all(Array.from({ length: 8 }, () => large.acquire(() => false)));
    const small = await budget.admit(1);
    expect(budget.usage().heldBytes).toBe(10 * 1024);

    const order: string[] = [];
    const largeWants = [large.acquire(() => false), large.acquire(() => false)].map((p) =>
      p.then((b) => (order.push("large"), b)),
    );
    const smallWants = [small.acquire(() => false), small.acquire(() => false)].map((p) =>
      p.then((b) => (order.push("small"), b)),
    );
    for (const buffer of held.splice(0, 4)) large.release(buffer);
    await tick();
    // The large chunk asked first, but holds more: the small one's requests are served before its.
    expect(order).toEqual(["small", "small", "large", "large"]);
    await Promise.all([...largeWants, ...smallWants]);
    expect(budget.usage().heldBytes).toBe(10 * 1024);
  });

  it("grants no buffer beyond a floor while a chunk waits to be admitted: freed buffers go to the newcomer", async () => {
    const budget = new MemoryBudget(3 * 1024, 1024);
    const large = await budget.admit(1);
    const extras = [await large.acquire(() => false), await large.acquire(() => false)];
    const { track, done } = tracker<unknown>();
    const again = track(
      "large",
      large.acquire(() => false),
    );
    const newcomer = track("newcomer", budget.admit(2));
    large.release(extras[0] as Buffer);
    await tick();
    expect(done).toEqual([]); // one free buffer: kept for the newcomer, who needs two
    large.release(extras[1] as Buffer);
    await tick();
    expect(done).toEqual(["newcomer"]);
    ((await newcomer) as BufferLease).close();
    await tick();
    expect(done).toEqual(["newcomer", "large"]);
    await again;
  });

  it("close() fails waiting and later acquires with the reason, returns spare buffers now and held ones as they come back", async () => {
    const budget = new MemoryBudget(2 * 1024, 1024);
    const lease = await budget.admit(1);
    const blocker = await budget.admit(1);
    const held = await lease.acquire();
    const waiting = lease.acquire(() => false);
    const reason = new Error("transfer failed");
    lease.close(reason);
    await expect(waiting).rejects.toBe(reason);
    await expect(lease.acquire()).rejects.toBe(reason);
    expect(budget.usage()).toMatchObject({ heldBytes: 2 * 1024, waitingBuffers: 0 });
    lease.release(held);
    expect(budget.usage().heldBytes).toBe(1024);
    blocker.close();
    expect(budget.usage().heldBytes).toBe(0);
  });
});

/**
 * A model of the archiver's ranged transfer under one shared budget: each chunk has `blocks` blocks fetched by
 * `workers` concurrent workers; a block's buffer is released only once every earlier block of its chunk is done
 * (the in-order SHA-256), and a worker asks urgently only for the oldest unfinished block. Small chunks take all
 * their buffers at admission. Random delays; the budget is far smaller than the demand.
 */
async function runChunks(
  budget: MemoryBudget,
  rng: Prng,
  chunks: { blocks: number; workers: number; whole: boolean }[],
  check: () => void,
): Promise<void> {
  const delay = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, rng.int(0, 2)));
  await Promise.all(
    chunks.map(async (chunk) => {
      await delay();
      if (chunk.whole) {
        const lease = await budget.admit(chunk.blocks);
        const buffers = await Promise.all(Array.from({ length: chunk.blocks }, () => lease.acquire()));
        check();
        await delay();
        for (const buffer of buffers) lease.release(buffer);
        lease.close();
        return;
      }
      const lease = await budget.admit(1);
      let next = 0;
      let oldest = 0; // lowest block not yet released
      const finished = new Map<number, Buffer>();
      const finish = (index: number, buffer: Buffer): void => {
        finished.set(index, buffer);
        for (let ready = finished.get(oldest); ready; ready = finished.get(oldest)) {
          finished.delete(oldest);
          lease.release(ready);
          oldest += 1;
        }
        lease.reconsider();
      };
      const worker = async (): Promise<void> => {
        for (let index = next++; index < chunk.blocks; index = next++) {
          const buffer = await lease.acquire(() => index === oldest);
          check();
          await delay();
          finish(index, buffer);
        }
      };
      await Promise.all(Array.from({ length: chunk.workers }, worker));
      expect(oldest).toBe(chunk.blocks);
      lease.close();
    }),
  );
}

describe("MemoryBudget: many chunks in flight", () => {
  it.each([1, 2, 3, 4, 5])(
    "never exceeds the budget, never deadlocks, and every chunk finishes (seed %i)",
    async (seed) => {
      const rng = new Prng(seed);
      const budget = new MemoryBudget(12 * 1024, 1024);
      let worst = 0;
      const check = (): void => {
        const { heldBytes, allocatedBytes } = budget.usage();
        worst = Math.max(worst, heldBytes);
        expect(heldBytes).toBeLessThanOrEqual(budget.limitBytes);
        expect(allocatedBytes).toBeLessThanOrEqual(budget.limitBytes);
      };
      const chunks = Array.from({ length: 40 }, () =>
        rng.chance(0.25)
          ? { blocks: rng.int(20, 60), workers: rng.int(2, 9), whole: false }
          : { blocks: rng.int(1, 4), workers: 1, whole: true },
      );
      await runChunks(budget, rng, chunks, check);
      expect(budget.usage()).toMatchObject({ heldBytes: 0, waitingChunks: 0, waitingBuffers: 0 });
      expect(worst).toBe(budget.limitBytes); // the demand filled the budget: it was the bound
      expect(budget.usage().allocatedBytes).toBeLessThanOrEqual(budget.limitBytes); // buffers are reused, not piled up
    },
  );

  it("lets every large chunk progress with its one floor buffer when all of them started at once on a budget of one buffer each", async () => {
    const rng = new Prng(99);
    const budget = new MemoryBudget(6 * 1024, 1024);
    await runChunks(
      budget,
      rng,
      Array.from({ length: 6 }, () => ({ blocks: 30, workers: 8, whole: false })),
      () => {
        expect(budget.usage().heldBytes).toBeLessThanOrEqual(budget.limitBytes);
      },
    );
    expect(budget.usage().heldBytes).toBe(0);
  });
});
