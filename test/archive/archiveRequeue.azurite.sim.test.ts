import { QueueClient } from "@azure/storage-queue";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { FailureRecords } from "../../src/archive/failureRecords";
import { PoisonedChunkRescue } from "../../src/archive/poisonedChunkRescue";
import { ChunkQueue } from "../../src/storage/chunkQueue";
import { startAcsSimulator, type AcsSimulator } from "../../tools/acsSimulator";
import { archiveHarness, listBlobs } from "../support/archiveHarness";
import { capturingContext, uniqueName } from "../support/testSettings";

let sim: AcsSimulator;
beforeAll(async () => {
  sim = await startAcsSimulator();
});
afterAll(async () => sim.close());

describe("when the queue's deliveries run out before the deadline", () => {
  it("re-queues the chunk as a fresh, delayed message instead of sending it to poison", async () => {
    const queue = new QueueClient(inject("azuriteConnectionString"), uniqueName("requeue"));
    const chunkQueue = new ChunkQueue(queue);
    const harness = archiveHarness(sim, inject("azuriteConnectionString"), { requeue: (message, delay) => chunkQueue.requeue(message, delay) });
    sim.addDocument("doc-outage", { size: 1000, faults: [{ kind: "status", status: 503 }] });
    const [message] = harness.messagesFor({ callId: "call-outage", chunks: [{ documentId: "doc-outage", size: 1000 }] });
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

    const again = await harness.job.run({ ...message!, redelivery: 3 }, context, { dequeueCount: 5, maxDequeueCount: 5 });
    expect(again).toMatchObject({ status: "requeued", delaySeconds: 2400 });
  });

  it("records retriesExhausted and lets the message go to poison when the deadline is too close", async () => {
    const harness = archiveHarness(sim, inject("azuriteConnectionString"), { requeue: async () => undefined });
    sim.addDocument("doc-late-outage", { size: 1000, faults: [{ kind: "status", status: 503 }] });
    const [message] = harness.messagesFor({ callId: "call-late", eventTime: new Date(Date.now() - 48 * 3_600_000 + 60_000).toISOString(), chunks: [{ documentId: "doc-late-outage", size: 1000 }] });
    const { context } = capturingContext();
    const result = await harness.job.run(message, context, { dequeueCount: 5, maxDequeueCount: 5 });
    expect(result.status).toBe("retry");
    const [record] = await listBlobs(harness.container, "archive-failures/");
    expect(record).toContain("retriesExhausted");
  });
});

describe("chunks that reach the poison queue (crash, timeout or out of memory on the last delivery)", () => {
  it("are re-queued while the deadline is ahead, recorded when it is not, and never dropped", async () => {
    const harness = archiveHarness(sim, inject("azuriteConnectionString"));
    const queue = new QueueClient(inject("azuriteConnectionString"), uniqueName("rescue"));
    const chunkQueue = new ChunkQueue(queue);
    const rescue = new PoisonedChunkRescue({ failures: new FailureRecords(harness.container), downloadHosts: harness.config.downloadHosts, requeue: (message, delay) => chunkQueue.requeue(message, delay) });
    sim.addDocument("doc-poisoned", { size: 1000 });
    const [message] = harness.messagesFor({ callId: "call-poisoned", chunks: [{ documentId: "doc-poisoned", size: 1000 }] });
    const { context, logs } = capturingContext();

    // What the host puts on the poison queue is the message body; the worker hands it over JSON-parsed.
    expect(await rescue.rescue(JSON.parse(JSON.stringify(message)), context)).toMatchObject({ status: "requeued", chunkKey: message!.chunkKey, delaySeconds: 300 });
    expect((await queue.getProperties()).approximateMessagesCount).toBe(1);
    expect(logs.some((line) => line.message.includes("reached the poison queue; re-queued (#1)"))).toBe(true);

    const late = { ...message!, deadline: new Date(Date.now() + 30_000).toISOString() };
    expect((await rescue.rescue(late, context)).status).toBe("recorded");
    expect((await rescue.rescue("garbage", context)).status).toBe("recorded");
    const records = await listBlobs(harness.container, "archive-failures/");
    expect(records.filter((name) => name.includes("retriesExhausted"))).toHaveLength(1);
    expect(records.filter((name) => name.includes("rejected"))).toHaveLength(1);
  });
});
