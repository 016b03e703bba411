// Integration tier. Needs: Azurite, the ACS simulator.
import { createHash } from "node:crypto";
import { describe, expect, inject, it } from "vitest";
import { stagedBlockSize } from "../../src/archive/transfer/blockPlan";
import { MemoryBudget } from "../../src/archive/transfer/memoryBudget";
import { archiveHarness, listBlobs } from "../support/archiveHarness";
import { capturingContext } from "../support/testSettings";
import { useAcsSimulator } from "../support/useAcsSimulator";

const KIB = 1024;
const BLOCK_SIZE = 256 * KIB;

const sim = useAcsSimulator();

describe("one memory budget for every chunk in flight", () => {
  it("archives many chunks at once, small and large, with faults, under a budget far below their demand: every byte right, never over budget", async () => {
    // 8 buffers of 256 KiB. Each large chunk could use (4 + 1) ranges of one block: six of them want 30.
    const memory = new MemoryBudget(8 * BLOCK_SIZE, stagedBlockSize(BLOCK_SIZE));
    const harness = archiveHarness(sim, inject("azuriteConnectionString"), {
      blockSize: BLOCK_SIZE,
      concurrency: 4,
      memory,
    });
    const sizes = [
      ...[1_500_000, 2_000_003, 2_600_000, 3_000_000, 1_800_000, 2_200_000].map((size, i) => ({
        documentId: `budget-large-${i}`,
        size,
      })),
      ...[10_000, 100_000, 200_000, 250_000, 262_144, 1, 77_777, 180_000, 30_000, 240_000].map((size, i) => ({
        documentId: `budget-small-${i}`,
        size,
      })),
      { documentId: "budget-empty", size: 0 },
    ];
    sim.addDocument("budget-large-0", {
      size: 1_500_000,
      faults: [{ kind: "reset", afterBytes: 100_000, skipRequests: 2, times: 1 }],
    });
    sim.addDocument("budget-small-2", { size: 200_000, faults: [{ kind: "truncate", afterBytes: 50_000, times: 1 }] });
    sim.addDocument("budget-large-3", { size: 3_000_000, ignoreRange: true });
    const messages = harness.messagesFor({ callId: "call-budget", chunks: sizes });

    let worst = 0;
    const sampler = setInterval(() => (worst = Math.max(worst, memory.usage().heldBytes)), 1);
    const { context } = capturingContext();
    const results = await Promise.all(
      messages.map((message) => harness.job.run(message, context, { dequeueCount: 1, maxDequeueCount: 5 })),
    );
    clearInterval(sampler);

    expect(results.map((result) => result.status)).toEqual(messages.map(() => "archived"));
    const usage = memory.usage();
    expect(worst).toBeLessThanOrEqual(memory.limitBytes);
    expect(usage.highWaterBytes).toBe(memory.limitBytes); // the demand filled the budget: the budget was the bound
    expect(usage.allocatedBytes).toBeLessThanOrEqual(memory.limitBytes);
    expect(usage).toMatchObject({ heldBytes: 0, waitingChunks: 0, waitingBuffers: 0 });

    const names = await listBlobs(harness.container);
    for (const message of messages) {
      const media = names.find((name) => name.endsWith(`-${message.documentId}.mp4`));
      expect(media, `media of ${message.documentId}`).toBeDefined();
      expect(await harness.blobSha256(media as string), message.documentId).toBe(sim.contentSha256(message.documentId));
      const metadata = await harness.container
        .getBlobClient((media as string).replace(/\.mp4$/, ".metadata.json"))
        .downloadToBuffer();
      expect(metadata.equals(sim.metadataBytes(message.documentId))).toBe(true);
    }
  });

  it("writes a chunk that fits in one range with one Put Blob: verified by its Content-MD5, with the chunk's identity and SHA-256", async () => {
    const harness = archiveHarness(sim, inject("azuriteConnectionString"), { blockSize: BLOCK_SIZE });
    const [message] = harness.messagesFor({
      callId: "call-whole",
      chunks: [{ documentId: "whole-doc", size: 200_000 }],
    });
    const result = await harness.job.run(message, capturingContext().context, { dequeueCount: 1, maxDequeueCount: 5 });
    expect(result).toMatchObject({ status: "archived", bytes: 200_000, downloadedBytes: 200_000 });
    const media = (await listBlobs(harness.container)).find((name) => name.endsWith(".mp4")) as string;
    const blob = harness.container.getBlockBlobClient(media);
    const properties = await blob.getProperties();
    const content = sim.contentRange("whole-doc", 0, 200_000);
    expect(Buffer.from(properties.contentMD5 ?? new Uint8Array()).toString("base64")).toBe(
      createHash("md5").update(content).digest("base64"),
    );
    expect(properties.metadata).toMatchObject({
      documentid: "whole-doc",
      bytecount: "200000",
      contentsha256: sim.contentSha256("whole-doc"),
    });
    expect((await blob.getBlockList("all")).committedBlocks ?? []).toEqual([]); // no block list: one Put Blob
    // One ranged GET of the media (and one of the metadata): nothing looked up, nothing asked twice.
    const gets = sim.requests.filter((request) => request.documentId === "whole-doc");
    expect(
      gets.map((request) => (request.url.includes("acsmetadata") ? "metadata" : `media ${request.range ?? ""}`)).sort(),
    ).toEqual([`media bytes=0-${BLOCK_SIZE - 1}`, "metadata"]);
  });

  it("finds a chunk archived by an earlier duplicate on a first delivery: nothing is downloaded again or overwritten", async () => {
    const harness = archiveHarness(sim, inject("azuriteConnectionString"), { blockSize: BLOCK_SIZE, concurrency: 2 });
    const messages = harness.messagesFor({
      callId: "call-duplicate",
      chunks: [
        { documentId: "dup-small", size: 100_000 },
        { documentId: "dup-large", size: 5_000_000 },
      ],
    });
    const { context } = capturingContext();
    for (const message of messages)
      expect((await harness.job.run(message, context, { dequeueCount: 1 })).status).toBe("archived");
    const served = (): number[] =>
      messages.map((message) => sim.counters.documents[message.documentId]?.contentBytesServed ?? 0);
    const servedBefore = served();
    // The same messages again, as the queue's first delivery of a duplicate message.
    const again = await Promise.all(messages.map((message) => harness.job.run(message, context, { dequeueCount: 1 })));
    expect(again.map((result) => result.status)).toEqual(["alreadyArchived", "alreadyArchived"]);
    expect(served()).toEqual(servedBefore);
    for (const message of messages) {
      const media = (await listBlobs(harness.container)).find((name) =>
        name.endsWith(`-${message.documentId}.mp4`),
      ) as string;
      expect(await harness.blobSha256(media)).toBe(sim.contentSha256(message.documentId));
    }
  });
});
