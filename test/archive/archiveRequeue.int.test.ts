// Integration tier. Needs: Azurite, the ACS simulator.
import { QueueClient } from "@azure/storage-queue";
import { describe, expect, inject, it } from "vitest";
import { FailureRecords } from "../../src/archive/failureRecords";
import { PoisonedChunkRescue } from "../../src/pipeline/poisonedChunkRescue";
import { ChunkQueue } from "../../src/queue/chunkQueue";
import { archiveHarness, listBlobs } from "../support/archiveHarness";
import { capturingContext, uniqueName } from "../support/testSettings";
import { useAcsSimulator } from "../support/useAcsSimulator";

const sim = useAcsSimulator();

describe("when the queue's deliveries run out before the deadline", () => {
  it("re-queues the chunk as a fresh, delayed message instead of sending it to poison", async () => {
    const queue = new QueueClient(inject("azuriteConnectionString"), uniqueName("requeue"));
    const chunkQueue = new ChunkQueue(queue);
    const harness = archiveHarness(sim, inject("azuriteConnectionString"), {
      requeue: (message, delay) => chunkQueue.requeue(message, delay),
    });
    sim.addDocument("doc-outage", { size: 1000, faults: [{ kind: "status", status: 503 }] });
    const [message] = harness.messagesFor({
      callId: "call-outage",
      chunks: [{ documentId: "doc-outage", size: 1000 }],
    });
    const { context, logs } = capturingContext();

    const early = await harness.job.run(message, context, { dequeueCount: 2, maxDequeueCount: 5 });
    expect(early.status).toBe("retry");

    const last = await harness.job.run(message, context, { dequeueCount: 5, maxDequeueCount: 5 });
    expect(last).toMatchObject({ status: "requeued", delaySeconds: 300, chunkKey: message!.chunkKey });
    expect((await queue.peekMessages()).peekedMessageItems).toHaveLength(0); // invisible for now
    const properties = await queue.getProperties();
    expect(properties.approximateMessagesCount).toBe(1);
    expect(logs.some((line) => line.level === "warning" && line.message.includes("re-queued (#1)"))).toBe(true);
    expect(await listBlobs(harness.container, "archive-failures/")).toEqual([]);

    const again = await harness.job.run({ ...message!, redelivery: 3 }, context, {
      dequeueCount: 5,
      maxDequeueCount: 5,
    });
    expect(again).toMatchObject({ status: "requeued", delaySeconds: 2400 });
  });

  it("keeps re-queuing at and past the deadline: the deadline is no reason to stop while ACS may serve the chunk", async () => {
    const requeued: number[] = [];
    const harness = archiveHarness(sim, inject("azuriteConnectionString"), {
      requeue: (_message, delay) => {
        requeued.push(delay);
        return Promise.resolve();
      },
      settings: { RETENTION_HOURS: "24" },
    });
    sim.addDocument("doc-deadline-outage", { size: 1000, faults: [{ kind: "status", status: 503 }] });
    for (const hoursAgo of [24 - 1 / 60, 25]) {
      const [message] = harness.messagesFor({
        callId: "call-deadline",
        eventTime: new Date(Date.now() - hoursAgo * 3_600_000).toISOString(),
        chunks: [{ documentId: "doc-deadline-outage", size: 1000 }],
      });
      const { context } = capturingContext();
      expect(await harness.job.run(message, context, { dequeueCount: 5, maxDequeueCount: 5 })).toMatchObject({
        status: "requeued",
      });
    }
    // Never spun: even at the deadline the next try is at least a minute away.
    expect(Math.min(...requeued)).toBeGreaterThanOrEqual(60);
    expect(await listBlobs(harness.container, "archive-failures/")).toEqual([]);
  });

  it("records retriesExhausted once, and completes the message, only when no one will try again (a day past the deadline)", async () => {
    const harness = archiveHarness(sim, inject("azuriteConnectionString"), { requeue: () => Promise.resolve() });
    sim.addDocument("doc-late-outage", { size: 1000, faults: [{ kind: "status", status: 503 }] });
    const [message] = harness.messagesFor({
      callId: "call-late",
      eventTime: new Date(Date.now() - 49 * 3_600_000).toISOString(),
      chunks: [{ documentId: "doc-late-outage", size: 1000 }],
    });
    const { context } = capturingContext();
    for (let delivery = 0; delivery < 3; delivery++) {
      expect(await harness.job.run(message, context, { dequeueCount: 5, maxDequeueCount: 5 })).toMatchObject({
        status: "retriesExhausted",
      });
    }
    const records = await listBlobs(harness.container, "archive-failures/");
    expect(records).toHaveLength(1);
    expect(records[0]).toContain("retriesExhausted");
  });

  it("writes no retriesExhausted record when the re-queue fails: the poison rescue can still archive the chunk", async () => {
    const harness = archiveHarness(sim, inject("azuriteConnectionString"), {
      requeue: () => Promise.reject(new Error("the queue is down")),
    });
    sim.addDocument("doc-requeue-down", { size: 1000, faults: [{ kind: "status", status: 503 }] });
    const [message] = harness.messagesFor({
      callId: "call-requeue-down",
      chunks: [{ documentId: "doc-requeue-down", size: 1000 }],
    });
    const { context } = capturingContext();
    expect((await harness.job.run(message, context, { dequeueCount: 5, maxDequeueCount: 5 })).status).toBe("retry");
    expect(await listBlobs(harness.container, "archive-failures/")).toEqual([]);
  });
});

describe("chunks that reach the poison queue (crash, timeout or out of memory on the last delivery)", () => {
  it("are re-queued while the deadline is ahead, recorded when it is not, and never dropped", async () => {
    const harness = archiveHarness(sim, inject("azuriteConnectionString"));
    const queue = new QueueClient(inject("azuriteConnectionString"), uniqueName("rescue"));
    const chunkQueue = new ChunkQueue(queue);
    const rescue = new PoisonedChunkRescue({
      failures: new FailureRecords(harness.container),
      downloadHosts: harness.config.downloadHosts,
      requeue: (message, delay) => chunkQueue.requeue(message, delay),
    });
    sim.addDocument("doc-poisoned", { size: 1000 });
    const [message] = harness.messagesFor({
      callId: "call-poisoned",
      chunks: [{ documentId: "doc-poisoned", size: 1000 }],
    });
    const { context, logs } = capturingContext();

    // What the host puts on the poison queue is the message body; the worker hands it over JSON-parsed.
    expect(await rescue.rescue(JSON.parse(JSON.stringify(message)), context)).toMatchObject({
      status: "requeued",
      chunkKey: message!.chunkKey,
      delaySeconds: 300,
    });
    expect((await queue.getProperties()).approximateMessagesCount).toBe(1);
    expect(logs.some((line) => line.message.includes("reached the poison queue; re-queued (#1)"))).toBe(true);

    const atDeadline = { ...message!, deadline: new Date(Date.now() + 30_000).toISOString() };
    expect((await rescue.rescue(atDeadline, context)).status).toBe("requeued");
    const longPast = { ...message!, deadline: new Date(Date.now() - 25 * 3_600_000).toISOString() };
    expect((await rescue.rescue(longPast, context)).status).toBe("recorded");
    expect((await rescue.rescue(longPast, context)).status).toBe("recorded"); // the same record, not a second one
    expect((await rescue.rescue("garbage", context)).status).toBe("recorded");
    const records = await listBlobs(harness.container, "archive-failures/");
    expect(records.filter((name) => name.includes("retriesExhausted"))).toHaveLength(1);
    expect(records.filter((name) => name.includes("rejected"))).toHaveLength(1);
    expect((await queue.getProperties()).approximateMessagesCount).toBe(2);
  });
});
