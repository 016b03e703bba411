// Integration tier. Needs: Azurite, the ACS simulator, dist/.
import { InvocationContext } from "@azure/functions";
import { BlobServiceClient } from "@azure/storage-blob";
import { QueueClient } from "@azure/storage-queue";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startAcsSimulator, type AcsSimulator } from "../../tools/acsSimulator";
import { listBlobs } from "../support/archiveHarness";
import { findFunction, loadCompiledApp, type RegisteredFunction } from "../support/compiledApp";
import { capturingContext, uniqueName, simSettings } from "../support/testSettings";

let sim: AcsSimulator;
let webhook: RegisteredFunction;
let archiveChunk: RegisteredFunction;
const queueName = uniqueName("chunks");
const containerName = uniqueName("rec");

/** The end-to-end path through the compiled app: webhook -> queue (as the host decodes it) -> archiveChunk. */
beforeAll(async () => {
  sim = await startAcsSimulator();
  const functions = loadCompiledApp(
    simSettings(sim, {
      CHUNK_QUEUE: queueName,
      RECORDINGS_CONTAINER: containerName,
      DOWNLOAD_BLOCK_SIZE: "256KiB",
      DOWNLOAD_CONCURRENCY: "4",
    }),
  );
  webhook = findFunction(functions, "recordingEventsWebhook");
  archiveChunk = findFunction(functions, "archiveChunk");
});
afterAll(async () => sim.close());

/** What the Functions host hands a queue trigger: base64-decoded text, JSON-parsed by the worker. */
async function receiveAsHost(queue: QueueClient): Promise<{ body: unknown; dequeueCount: number }[]> {
  const { receivedMessageItems } = await queue.receiveMessages({ numberOfMessages: 32 });
  return receivedMessageItems.map((item) => ({
    body: JSON.parse(Buffer.from(item.messageText, "base64").toString("utf8")) as unknown,
    dequeueCount: item.dequeueCount,
  }));
}

function queueContext(dequeueCount: number): {
  context: InvocationContext;
  logs: { level: string; message: string }[];
} {
  const logs: { level: string; message: string }[] = [];
  const context = new InvocationContext({
    functionName: "archiveChunk",
    triggerMetadata: { dequeueCount },
    logHandler: (level, ...args) => logs.push({ level, message: args.map(String).join(" ") }),
  });
  return { context, logs };
}

describe("archiveChunk, registered by the compiled app", () => {
  it("archives every chunk of an event delivered to the webhook, byte for byte", async () => {
    const chunks = [
      { documentId: "fn-doc-0", size: 700_000 },
      { documentId: "fn-doc-1", size: 123_457 },
    ];
    const event = sim.recordingEvent({ callId: "fn-call", chunks });
    const { context } = capturingContext();
    const { HttpRequest } = await import("@azure/functions");
    const answer = (await webhook.handler(
      new HttpRequest({
        method: "POST",
        url: "http://localhost/api/recording-events",
        headers: { "content-type": "application/json", "aeg-event-type": "Notification" },
        body: { bytes: Buffer.from(JSON.stringify([event])) },
      }),
      context,
    )) as { status?: number };
    expect(answer.status ?? 200).toBe(200);

    const queue = new QueueClient(inject("azuriteConnectionString"), queueName);
    const delivered = await receiveAsHost(queue);
    expect(delivered).toHaveLength(2);
    for (const message of delivered) {
      const { context: invocation } = queueContext(message.dequeueCount);
      await archiveChunk.handler(message.body, invocation);
    }
    const container = BlobServiceClient.fromConnectionString(inject("azuriteConnectionString")).getContainerClient(
      containerName,
    );
    const blobs = await listBlobs(container);
    for (const chunk of chunks) {
      const media = blobs.find((name) => name.endsWith(`${chunk.documentId}.mp4`));
      expect(media).toBeDefined();
      const properties = await container.getBlobClient(media as string).getProperties();
      expect(properties.contentLength).toBe(chunk.size);
      expect(properties.metadata?.["contentsha256"]).toBe(sim.contentSha256(chunk.documentId));
      expect(properties.metadata?.["documentid"]).toBe(chunk.documentId);
    }
  });

  it("throws on a transient failure so that the queue delivers the message again", async () => {
    sim.addDocument("fn-doc-503", { size: 1000, faults: [{ kind: "status", status: 503 }] });
    const event = sim.recordingEvent({ callId: "fn-call-503", chunks: [{ documentId: "fn-doc-503", size: 1000 }] });
    const message = {
      version: 1,
      documentId: "fn-doc-503",
      index: 0,
      chunkCount: 1,
      resource: "",
      eventId: event.id,
      eventTime: new Date().toISOString(),
      deadline: new Date(Date.now() + 3_600_000).toISOString(),
      callId: "fn-call-503",
      contentLocation: sim.urls("fn-doc-503").contentLocation,
      metadataLocation: sim.urls("fn-doc-503").metadataLocation,
    };
    const { context } = queueContext(1);
    // (The default in-invocation retries back off for several seconds before giving up.)
    await expect(archiveChunk.handler(message, context)).rejects.toThrow(/503/);
  });

  it("completes (does not throw) and records a permanent failure for an unreadable message", async () => {
    const { context, logs } = queueContext(1);
    await archiveChunk.handler("not a chunk message", context);
    expect(logs.some((line) => line.level === "error" && line.message.includes("unreadable"))).toBe(true);
    const container = BlobServiceClient.fromConnectionString(inject("azuriteConnectionString")).getContainerClient(
      containerName,
    );
    expect((await listBlobs(container, "archive-failures/")).length).toBeGreaterThan(0);
  });

  it("never logs the access key", async () => {
    const { context, logs } = queueContext(1);
    await archiveChunk.handler({ version: 1 }, context);
    expect(logs.map((line) => line.message).join("\n")).not.toContain(sim.accessKey);
  });

  it("escapes event-derived text in every log line: a chunk key with a line break and a bidi override (U+202E) cannot forge or reorder a line", async () => {
    // A documentId with U+202E passes intake (it names blobs only escaped); a resource with a line break can only come
    // from a tampered message (intake refuses such a topic). The chunk fails for good (400): the error path logs too.
    const documentId = "fn-doc-\u202etxt.exe";
    sim.addDocument(documentId, { size: 1000, faults: [{ kind: "status", status: 400 }] });
    const forgedLine = "\n2026-12-02T06:00:00Z [Information] archived chunk fake";
    const message = {
      version: 1,
      documentId,
      index: 0,
      chunkCount: 1,
      resource: `/subscriptions/x${forgedLine}`,
      eventId: `evt-\u202e-${Date.now()}`,
      eventTime: new Date().toISOString(),
      deadline: new Date(Date.now() + 3_600_000).toISOString(),
      callId: "fn-call-\u202ebidi",
      contentLocation: sim.urls(documentId).contentLocation,
      metadataLocation: sim.urls(documentId).metadataLocation,
    };
    const { context, logs } = queueContext(1);
    await archiveChunk.handler(message, context);
    const lines = logs.map((line) => line.message);
    expect(lines.some((line) => line.includes("Could not archive chunk"))).toBe(true);
    for (const line of lines) {
      expect(line).not.toMatch(/[\n\r\u202e]/);
    }
    expect(lines.join(" ")).toContain("fn-doc-\\u202etxt.exe");
    // (chunk keys lower-case the resource)
    expect(lines.join(" ")).toContain("/subscriptions/x\\u000a2026-12-02t06:00:00z");
  });
});
