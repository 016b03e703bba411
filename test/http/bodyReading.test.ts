import { PassThrough, Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { TransferInterruptedError } from "../../src/errors";
import { guardIdle, readBounded } from "../../src/shared/bodyReading";

describe("readBounded: the one bounded body reader", () => {
  it("reads a body under the bound whole", async () => {
    const { bytes, complete } = await readBounded(Readable.from([Buffer.from("ab"), "cd"]), 10);
    expect(complete).toBe(true);
    expect(bytes.toString()).toBe("abcd");
  });

  it("stops at the bound, reports the body incomplete and drops it", async () => {
    const body = new PassThrough();
    body.write(Buffer.alloc(50_000, 1));
    body.write(Buffer.alloc(50_000, 2)); // and it never ends
    const { bytes, complete } = await readBounded(body, 64 * 1024, { idleTimeoutMs: 5_000 });
    expect(complete).toBe(false);
    expect(bytes.length).toBe(64 * 1024);
    expect(body.destroyed).toBe(true);
  });
});

describe("guardIdle: the one idle-timeout body reader", () => {
  it("fails with TransferInterruptedError and drops a body that goes quiet", async () => {
    const body = new PassThrough();
    body.write("first");
    const read = readBounded(body, 1_000, { idleTimeoutMs: 100 });
    await expect(read).rejects.toBeInstanceOf(TransferInterruptedError);
    await expect(read).rejects.toThrow(/no data for 100 ms/);
    expect(body.destroyed).toBe(true);
  });

  it("does not count a slow consumer as a stalled body", async () => {
    const pieces: string[] = [];
    for await (const piece of guardIdle(Readable.from(["a", "b", "c"]), { idleTimeoutMs: 50 })) {
      pieces.push(piece.toString());
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
    expect(pieces).toEqual(["a", "b", "c"]);
  });

  it("fails when the caller aborts, and when the body breaks", async () => {
    const controller = new AbortController();
    const quiet = new PassThrough();
    const aborted = readBounded(quiet, 1_000, { abortSignal: controller.signal });
    controller.abort();
    await expect(aborted).rejects.toThrow(/cancelled/);
    const broken = new PassThrough();
    const read = readBounded(broken, 1_000);
    broken.destroy(new Error("ECONNRESET"));
    await expect(read).rejects.toThrow(/the body broke: ECONNRESET/);
  });
});
