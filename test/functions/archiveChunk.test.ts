import { InvocationContext } from "@azure/functions";
import { describe, expect, it } from "vitest";
import type { ChunkArchiveJob, ChunkJobResult, QueueAttempt } from "../../src/pipeline/chunkArchiveJob";
import { AppNotConfiguredError, StorageUnavailableError } from "../../src/errors";
import { archiveChunk } from "../../src/functions/archiveChunk";
import { MAX_DEQUEUE_COUNT } from "../../src/queue/chunkQueue";
import { fakeService, notConfigured } from "../support/handlerHarness";
import { type CapturedLog } from "../support/testSettings";

const MESSAGE = { chunkKey: "k", documentId: "d" };
const ARCHIVED = {
  mediaBlob: "c/r/0-d.mp4",
  metadataBlob: "c/r/0-d.json",
  bytes: 10,
  downloadedBytes: 10,
  resumedBlocks: 0,
  deletedFromAcs: false,
};

interface Run {
  readonly input: unknown;
  readonly attempt: QueueAttempt;
}

/** A fake job answering `result`; it logs one line with a line break (the function's log must escape it). */
function jobOf(result: ChunkJobResult, runs: Run[] = []): () => ChunkArchiveJob {
  const job = fakeService<ChunkArchiveJob>({
    run: (input, log, attempt = {}) => {
      runs.push({ input, attempt });
      log.info("chunk d\nforged line");
      return Promise.resolve(result);
    },
  });
  return () => job;
}

async function deliver(job: () => ChunkArchiveJob, triggerMetadata?: Record<string, unknown>): Promise<CapturedLog[]> {
  const logs: CapturedLog[] = [];
  const context = new InvocationContext({
    functionName: "archiveChunk",
    ...(triggerMetadata ? { triggerMetadata } : {}),
    logHandler: (level, ...args) => logs.push({ level, message: args.map(String).join(" ") }),
  });
  await archiveChunk(job)(MESSAGE, context);
  return logs;
}

describe("archiveChunk: the queue trigger's complete-or-redeliver decisions", () => {
  it.each<ChunkJobResult>([
    { status: "archived", outcome: "archived", ...ARCHIVED },
    { status: "alreadyArchived", outcome: "alreadyArchived", ...ARCHIVED },
    { status: "failed", recordedAt: "archive-failures/x.json", reason: "HTTP 400" },
    { status: "expired", recordedAt: "archive-failures/x.json", reason: "gone" },
    { status: "rejected", recordedAt: "archive-failures/x.json", reason: "bad message" },
    { status: "retriesExhausted", recordedAt: "archive-failures/x.json", reason: "5 tries" },
    { status: "unverifiable", recordedAt: "archive-failures/x.json", reason: "no length" },
    { status: "requeued", delaySeconds: 600, reason: "later", chunkKey: "k" },
    { status: "erased", reason: "tombstone", chunkKey: "k" },
  ])("completes the message when the job answers $status", async (result) => {
    await expect(deliver(jobOf(result))).resolves.toBeDefined();
  });

  it("throws the job's error on retry, so that the queue delivers the message again", async () => {
    const transient = new StorageUnavailableError("The archive container did not answer.");
    await expect(deliver(jobOf({ status: "retry", error: transient }))).rejects.toBe(transient);
  });

  it("hands the job the message, the host's dequeueCount (a number) and the poison threshold", async () => {
    const runs: Run[] = [];
    await deliver(jobOf({ status: "erased", reason: "tombstone", chunkKey: "k" }, runs), { dequeueCount: 3 });
    expect(runs).toEqual([{ input: MESSAGE, attempt: { dequeueCount: 3, maxDequeueCount: MAX_DEQUEUE_COUNT } }]);
  });

  it("leaves dequeueCount out when the host sent none (the job then cannot tell the last delivery)", async () => {
    const runs: Run[] = [];
    await deliver(jobOf({ status: "erased", reason: "tombstone", chunkKey: "k" }, runs));
    expect(runs[0]?.attempt).toEqual({ maxDequeueCount: MAX_DEQUEUE_COUNT });
  });

  it("gives the job a log that escapes line breaks (a message's text cannot forge a log line)", async () => {
    const logs = await deliver(jobOf({ status: "erased", reason: "tombstone", chunkKey: "k" }));
    expect(logs).toHaveLength(1);
    expect(logs[0]?.message).not.toContain("\n");
    expect(logs[0]?.message).toContain("forged line");
  });

  it("throws AppNotConfiguredError while a setting is bad: the message is delivered again, never completed", async () => {
    await expect(deliver(notConfigured<ChunkArchiveJob>())).rejects.toBeInstanceOf(AppNotConfiguredError);
  });
});
