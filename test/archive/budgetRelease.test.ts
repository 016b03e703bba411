import { createHttpHeaders, RestError } from "@azure/core-rest-pipeline";
import type { BlockBlobClient } from "@azure/storage-blob";
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import type { AcsRecordingClient, AcsResponse } from "../../src/acs/acsRecordingClient";
import { stagedBlockSize } from "../../src/archive/transfer/blockPlan";
import { MemoryBudget } from "../../src/archive/transfer/memoryBudget";
import { stageRanges } from "../../src/archive/transfer/rangedTransfer";
import type { TransferContext } from "../../src/archive/transfer/transferContext";

const BLOCK = 256 * 1024;
const TOTAL = 3 * BLOCK;

function answer(start: number, end: number): AcsResponse {
  return {
    status: 206,
    headers: createHttpHeaders({
      "content-range": `bytes ${start}-${end - 1}/${TOTAL}`,
      "content-length": String(end - start),
    }),
    body: Readable.from([Buffer.alloc(end - start, 7)]),
  };
}

const silentLog = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

describe("a failed ranged transfer gives every buffer back to the memory budget", () => {
  it("releases a block whose staging ends after another block's staging failed (no budget is held after the chunk)", async () => {
    const memory = new MemoryBudget(8 * BLOCK, stagedBlockSize(BLOCK));
    // Block 0's staging fails first; block 1's staging was already on its way and succeeds afterwards (the service
    // had taken it before the failure aborted the transfer).
    const blob = {
      name: "calls/c/r/0000-doc.mp4",
      stageBlock: async (id: string) => {
        const index = Number(Buffer.from(id, "base64").toString("utf8").split("-")[1]);
        if (index === 0) {
          await new Promise((resolve) => setTimeout(resolve, 20));
          throw new RestError("refused", { statusCode: 400 });
        }
        await new Promise((resolve) => setTimeout(resolve, 150));
        return {};
      },
    } as unknown as BlockBlobClient;
    const acs = {
      get: (_url: string, options: { range?: { start: number; end?: number } }) =>
        Promise.resolve(answer(options.range?.start ?? 0, Math.min(TOTAL, (options.range?.end ?? TOTAL - 1) + 1))),
    } as unknown as AcsRecordingClient;
    const context: TransferContext = {
      acs,
      blob,
      url: "https://example.asm.skype.com/v1/objects/doc/content/acsmedia",
      field: "contentLocation",
      blockSize: BLOCK,
      concurrency: 2,
      memory,
      retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1, maxRetryAfterMs: 1 },
      idleTimeoutMs: 5_000,
      deadlinePassed: () => false,
      abortSignal: new AbortController().signal,
      log: silentLog,
      received: { bytes: 0 },
    };
    await expect(
      stageRanges(context, { response: answer(0, BLOCK), start: 0, total: TOTAL }, new Map()),
    ).rejects.toThrow("refused");
    expect(memory.usage()).toMatchObject({ heldBytes: 0, waitingChunks: 0, waitingBuffers: 0 });
    // The whole budget can still be admitted by the next chunk.
    const next = await memory.admit(memory.capacity);
    next.close();
  });
});
