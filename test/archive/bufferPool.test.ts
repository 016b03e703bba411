import { describe, expect, it } from "vitest";
import { BufferPool } from "../../src/archive/bufferPool";

describe("BufferPool", () => {
  it("hands out at most `count` buffers of `size` bytes, and reuses released ones in waiting order", async () => {
    const pool = new BufferPool(2, 1024);
    const first = await pool.acquire();
    const second = await pool.acquire();
    expect([first.length, second.length, pool.bufferSize]).toEqual([1024, 1024, 1024]);
    expect(first).not.toBe(second);

    const order: string[] = [];
    const third = pool.acquire().then((buffer) => (order.push("third"), buffer));
    const fourth = pool.acquire().then((buffer) => (order.push("fourth"), buffer));
    await new Promise((resolve) => setImmediate(resolve));
    expect(order).toEqual([]);

    pool.release(second);
    expect(await third).toBe(second);
    pool.release(first);
    expect(await fourth).toBe(first);
    expect(order).toEqual(["third", "fourth"]);
  });

  it("close() fails every waiting and later acquire with the reason, so no worker hangs", async () => {
    const pool = new BufferPool(1, 16);
    await pool.acquire();
    const waiting = pool.acquire();
    const reason = new Error("transfer failed");
    pool.close(reason);
    await expect(waiting).rejects.toBe(reason);
    await expect(pool.acquire()).rejects.toBe(reason);
    pool.close(new Error("second failure"));
    await expect(pool.acquire()).rejects.toBe(reason);
  });
});
