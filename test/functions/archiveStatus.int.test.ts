// Integration tier. Needs: Azurite, the ACS simulator, dist/.
import { HttpRequest, InvocationContext } from "@azure/functions";
import { QueueClient } from "@azure/storage-queue";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { CallStatus } from "../../src/catalog/callStatus";
import { startAcsSimulator, type AcsSimulator } from "../../tools/acsSimulator";
import { findFunction, loadCompiledApp, type RegisteredFunction } from "../support/compiledApp";
import { invokeHttp, webhookRequest } from "../support/functionInvoke";
import { capturingContext, uniqueName, simSettings } from "../support/testSettings";

let sim: AcsSimulator;
let webhook: RegisteredFunction;
let archiveChunk: RegisteredFunction;
let archiveStatus: RegisteredFunction;
const queueName = uniqueName("chunks");

/** The compiled app end to end: webhook (intake leaves the expected record) -> queue -> archiveChunk -> status API. */
beforeAll(async () => {
  sim = await startAcsSimulator();
  const functions = loadCompiledApp(
    simSettings(sim, {
      CHUNK_QUEUE: queueName,
      RECORDINGS_CONTAINER: uniqueName("rec"),
      DOWNLOAD_BLOCK_SIZE: "256KiB",
      RETENTION_HOURS: "48",
    }),
  );
  webhook = findFunction(functions, "recordingEventsWebhook");
  archiveChunk = findFunction(functions, "archiveChunk");
  archiveStatus = findFunction(functions, "archiveStatus");
});
afterAll(async () => sim.close());

async function deliver(events: object[]): Promise<void> {
  const { context } = capturingContext();
  const answer = await invokeHttp(
    webhook,
    webhookRequest({
      body: JSON.stringify(events),
      headers: { "content-type": "application/json", "aeg-event-type": "Notification" },
    }),
    context,
  );
  expect(answer.status, answer.text).toBe(200);
}

async function drainInto(handler: RegisteredFunction): Promise<void> {
  const queue = new QueueClient(inject("azuriteConnectionString"), queueName);
  for (;;) {
    const { receivedMessageItems } = await queue.receiveMessages({ numberOfMessages: 32 });
    if (receivedMessageItems.length === 0) return;
    for (const item of receivedMessageItems) {
      const context = new InvocationContext({
        functionName: "archiveChunk",
        triggerMetadata: { dequeueCount: item.dequeueCount },
      });
      // A transient failure throws (the queue would redeliver); this test only needs the chunks that archive.
      await Promise.resolve(
        handler.handler(JSON.parse(Buffer.from(item.messageText, "base64").toString("utf8")) as unknown, context),
      ).catch(() => undefined);
      await queue.deleteMessage(item.messageId, item.popReceipt);
    }
  }
}

async function status(callId: string): Promise<{ status: number; json: unknown }> {
  const { context } = capturingContext();
  const request = new HttpRequest({
    method: "GET",
    url: `http://localhost:7071/api/archive/calls/${encodeURIComponent(callId)}?code=key`,
    params: { callId },
  });
  return invokeHttp(archiveStatus, request, context);
}

describe("GET /api/archive/calls/{callId} (compiled app)", () => {
  it("answers 404 for a call the archive has never seen", async () => {
    const answer = await status("never-seen-call");
    expect(answer.status).toBe(404);
    expect(answer.json).toMatchObject({ error: { code: "CallNotFound" } });
  });

  it("reports pending right after intake, then archived, failed and expired per chunk, with deadlines and time left", async () => {
    sim.addDocument("st-doc-1", { size: 2_000, faults: [{ kind: "status", status: 400 }] });
    // ACS deleted the old recording's file: 404 after its deadline is recorded as expired.
    sim.addDocument("st-old-0", { size: 1_000, faults: [{ kind: "status", status: 404, target: "any" }] });
    const chunks = [
      { documentId: "st-doc-0", size: 300_000 },
      { documentId: "st-doc-1", size: 2_000 },
      { documentId: "st-doc-2", size: 1_000 },
    ];
    const event = sim.recordingEvent({ callId: "status-call", recordingId: "status-rec", chunks });
    // An older recording of the same call whose retention window is over (event three days ago).
    const old = sim.recordingEvent({
      callId: "status-call",
      recordingId: "status-old",
      eventTime: new Date(Date.now() - 72 * 3_600_000).toISOString(),
      chunks: [{ documentId: "st-old-0", size: 1_000 }],
    });
    await deliver([event, old]);

    const pending = (await status("status-call")).json as CallStatus;
    expect(pending.recordings).toHaveLength(2);
    const current = pending.recordings.find((recording) => recording.recordingId === "status-rec")!;
    expect(current).toMatchObject({ callId: "status-call", expectedChunks: 3, complete: false, manifest: null });
    expect(current.chunks.map((chunk) => chunk.state)).toEqual(["pending", "pending", "pending"]);
    for (const chunk of current.chunks) {
      expect(chunk.hoursLeft).toBeGreaterThan(47);
      expect(Date.parse(chunk.deadline!)).toBeGreaterThan(Date.now());
    }
    const expired = pending.recordings.find((recording) => recording.recordingId === "status-old")!;
    expect(expired.chunks[0]).toMatchObject({ state: "expired", documentId: "st-old-0" });
    expect(expired.chunks[0]!.hoursLeft).toBeLessThan(0);

    // Archive all but the last chunk of the current recording (st-doc-1 fails permanently with 400).
    const queue = new QueueClient(inject("azuriteConnectionString"), queueName);
    const { receivedMessageItems } = await queue.receiveMessages({ numberOfMessages: 32 });
    for (const item of receivedMessageItems) {
      const body = JSON.parse(Buffer.from(item.messageText, "base64").toString("utf8")) as { documentId: string };
      if (body.documentId === "st-doc-2") continue;
      const context = new InvocationContext({
        functionName: "archiveChunk",
        triggerMetadata: { dequeueCount: item.dequeueCount },
      });
      await archiveChunk.handler(body, context);
      await queue.deleteMessage(item.messageId, item.popReceipt);
    }
    const later = (await status("status-call")).json as CallStatus;
    const chunksNow = later.recordings.find((recording) => recording.recordingId === "status-rec")!.chunks;
    expect(chunksNow[0]).toMatchObject({
      state: "archived",
      documentId: "st-doc-0",
      media: { bytes: 300_000, sha256: sim.contentSha256("st-doc-0") },
    });
    expect(chunksNow[0]!.media!.blob).toMatch(/\/calls\/status-call\/.+0000-st-doc-0\.mp4$/);
    expect(chunksNow[1]).toMatchObject({
      state: "failed",
      documentId: "st-doc-1",
      outcome: { outcome: "failed", httpStatus: 400, reason: { code: "AcsHttpStatus" } },
    });
    expect(chunksNow[1]!.outcome!.failureRecord).toContain("archive-failures/");
    expect(chunksNow[2]).toMatchObject({ state: "pending", documentId: "st-doc-2" });
    const stored = later.recordings.find((recording) => recording.recordingId === "status-old")!;
    expect(stored.chunks[0]).toMatchObject({ state: "expired", outcome: { outcome: "expired", httpStatus: 404 } });
  });

  it("reports a complete recording with its manifest", async () => {
    await drainInto(archiveChunk);
    const event = sim.recordingEvent({ callId: "status-done", chunks: [{ documentId: "st-done-0", size: 5_000 }] });
    await deliver([event]);
    await drainInto(archiveChunk);
    const answer = await status("status-done");
    expect(answer.status).toBe(200);
    const [recording] = (answer.json as CallStatus).recordings;
    expect(recording).toMatchObject({ complete: true, expectedChunks: 1 });
    expect(recording!.manifest).toMatch(/calls\/status-done\/.+\/manifest\.json$/);
    expect(recording!.chunks[0]).toMatchObject({ state: "archived" });
  });
});
