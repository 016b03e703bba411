import { RestError } from "@azure/core-rest-pipeline";
import { describe, expect, it } from "vitest";
import { isTransient, withRetries, type RetryPolicy } from "../../src/archive/retryPolicy";
import { AcsHttpError, ArchiveConflictError, TransferInterruptedError } from "../../src/errors";

const FAST: RetryPolicy = { attempts: 3, baseDelayMs: 1, maxDelayMs: 2, maxRetryAfterMs: 50 };

describe("isTransient", () => {
  it.each([408, 429, 500, 502, 503, 504])("retries ACS HTTP %i", (status) => {
    expect(isTransient(new AcsHttpError(status, "GET", ""), false)).toBe(true);
    expect(isTransient(new AcsHttpError(status, "GET", ""), true)).toBe(true);
  });

  it.each([400, 401, 403, 409, 410, 416, 501])("does not retry ACS HTTP %i", (status) => {
    expect(isTransient(new AcsHttpError(status, "GET", ""), false)).toBe(false);
  });

  it("retries a 404 before the chunk's deadline (not ready yet), not after it (deleted)", () => {
    expect(isTransient(new AcsHttpError(404, "GET", ""), false)).toBe(true);
    expect(isTransient(new AcsHttpError(404, "GET", ""), true)).toBe(false);
  });

  it("retries interrupted transfers, Storage errors without a status and transient Storage statuses only", () => {
    expect(isTransient(new TransferInterruptedError("reset"), true)).toBe(true);
    expect(isTransient(new RestError("socket hang up", { code: "ECONNRESET" }), false)).toBe(true);
    expect(isTransient(new RestError("busy", { statusCode: 503 }), false)).toBe(true);
    expect(isTransient(new RestError("conflict", { statusCode: 409 }), false)).toBe(false);
    expect(isTransient(new ArchiveConflictError("different bytes"), false)).toBe(false);
    expect(isTransient(new Error("bug"), false)).toBe(false);
  });
});

describe("withRetries", () => {
  it("retries transient failures up to the policy's attempts, then throws the last error", async () => {
    const attempts: number[] = [];
    const retried: number[] = [];
    const failure = new AcsHttpError(503, "GET", "busy");
    await expect(
      withRetries(
        (attempt) => {
          attempts.push(attempt);
          return Promise.reject(failure);
        },
        { policy: FAST, deadlinePassed: () => false, onRetry: (_error, _delay, attempt) => retried.push(attempt) },
      ),
    ).rejects.toBe(failure);
    expect(attempts).toEqual([1, 2, 3]);
    expect(retried).toEqual([1, 2]);
  });

  it("tells the policy's observer of every retry (how the command line's progress counts them, without reading logs)", async () => {
    let told = 0;
    const observed: RetryPolicy = { ...FAST, onRetry: () => (told += 1) };
    const failure = new AcsHttpError(503, "GET", "busy");
    await expect(
      withRetries(() => Promise.reject(failure), { policy: observed, deadlinePassed: () => false }),
    ).rejects.toBe(failure);
    expect(told).toBe(2);
    await expect(
      withRetries(() => Promise.reject(new AcsHttpError(401, "GET", "")), {
        policy: observed,
        deadlinePassed: () => false,
      }),
    ).rejects.toThrow();
    expect(told).toBe(2);
  });

  it("returns the first success and does not retry permanent errors", async () => {
    let calls = 0;
    expect(
      await withRetries(
        (attempt) => (attempt < 2 ? Promise.reject(new TransferInterruptedError("cut")) : Promise.resolve("done")),
        {
          policy: FAST,
          deadlinePassed: () => false,
        },
      ),
    ).toBe("done");
    await expect(
      withRetries(
        () => {
          calls += 1;
          return Promise.reject(new AcsHttpError(403, "GET", "denied"));
        },
        { policy: FAST, deadlinePassed: () => false },
      ),
    ).rejects.toMatchObject({ statusCode: 403 });
    expect(calls).toBe(1);
  });

  it("leaves a Retry-After longer than the policy allows to the queue instead of waiting it out", async () => {
    let calls = 0;
    await expect(
      withRetries(
        () => {
          calls += 1;
          return Promise.reject(new AcsHttpError(429, "GET", "slow down", 60_000));
        },
        { policy: FAST, deadlinePassed: () => false },
      ),
    ).rejects.toMatchObject({ statusCode: 429 });
    expect(calls).toBe(1);
  });

  it("does not use up the budget while attempts make progress", async () => {
    let bytes = 0;
    const result = await withRetries(
      (attempt) => {
        bytes += 10;
        return bytes < 60
          ? Promise.reject(new TransferInterruptedError(`cut at ${bytes} (attempt ${attempt})`))
          : Promise.resolve(bytes);
      },
      { policy: FAST, deadlinePassed: () => false, progress: () => bytes },
    );
    expect(result).toBe(60);
  });
});
