// Integration tier. Needs: Azurite, dist/, loopback servers.
import { BlobServiceClient } from "@azure/storage-blob";
import { QueueServiceClient } from "@azure/storage-queue";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { ChunkMessage } from "../../src/queue/chunkMessage";
import { AZURITE_KEY } from "../../tools/azurite";
import { findFunction, loadCompiledApp, type RegisteredFunction } from "../support/compiledApp";
import { invokeEventGrid } from "../support/functionInvoke";
import { cloudEvent, eventGridEvent, gaChunk, gaData, otherAcsEvent, previewChunk } from "../support/recordingEvents";
import {
  closedStorageConnectionString,
  decodeAsQueueTrigger,
  drainQueue,
  listQuarantined,
  type QuarantinedBlob,
} from "../support/storageProbe";
import {
  capturingContext,
  TEST_ACS_ACCESS_KEY,
  TEST_ACS_CONNECTION_STRING,
  TEST_ACS_RESOURCE,
  uniqueName,
  type CapturedLog,
} from "../support/testSettings";

const connectionString = inject("azuriteConnectionString");

const queueName = uniqueName("grid-chunks");
const queue = QueueServiceClient.fromConnectionString(connectionString).getQueueClient(queueName);
const quarantine = BlobServiceClient.fromConnectionString(connectionString).getContainerClient("rejected-events");

const seenLogs: CapturedLog[] = [];
const seenBlobs: QuarantinedBlob[] = [];

function loadGrid(settings: Record<string, string>): RegisteredFunction {
  return findFunction(loadCompiledApp(settings), "recordingEventsGrid");
}

const grid = loadGrid({
  AzureWebJobsStorage: connectionString,
  ACS_CONNECTION_STRING: TEST_ACS_CONNECTION_STRING,
  CHUNK_QUEUE: queueName,
  ALLOWED_ACS_RESOURCES: TEST_ACS_RESOURCE,
});

async function deliver(fn: RegisteredFunction, event: unknown): Promise<CapturedLog[]> {
  const { context, logs } = capturingContext("recordingEventsGrid");
  try {
    await invokeEventGrid(fn, event, context);
  } finally {
    seenLogs.push(...logs);
  }
  return logs;
}

async function queued(): Promise<ChunkMessage[]> {
  return (await drainQueue(queue)).map((text) => decodeAsQueueTrigger(text) as ChunkMessage);
}

async function quarantinedFor(eventId: string): Promise<QuarantinedBlob[]> {
  const safe = eventId.replace(/[^A-Za-z0-9._-]/g, "_");
  const kept = await listQuarantined(quarantine, (name) => name.includes(`/${safe}-`));
  seenBlobs.push(...kept);
  return kept;
}

beforeAll(async () => {
  await queue.createIfNotExists();
});

afterAll(async () => {
  await queue.deleteIfExists();
});

describe("Event Grid trigger (compiled app)", () => {
  it("enqueues one message per chunk of an Event Grid schema event", async () => {
    const event = eventGridEvent({ data: gaData([gaChunk(0), gaChunk(1)]) });
    const logs = await deliver(grid, event);
    const messages = await queued();
    expect(messages).toHaveLength(2);
    expect(messages.map((m) => m.index).sort()).toEqual([0, 1]);
    for (const message of messages) {
      expect(message.eventId).toBe(event["id"]);
      expect(message.chunkKey).toBe(`${TEST_ACS_RESOURCE.toLowerCase()}|${message.documentId}|${message.index}`);
    }
    expect(logs.filter((log) => log.level === "information" && log.message.includes(queueName))).toHaveLength(2);
  });

  it("enqueues a CloudEvents schema event (subscription delivering CloudEvents to the function)", async () => {
    const event = cloudEvent({ data: gaData([previewChunk(0)]) });
    await deliver(grid, event);
    const [message] = await queued();
    expect(message?.eventId).toBe(event["id"]);
    expect(message?.contentLocation).toBeUndefined();
  });

  it("sends no second message when Event Grid redelivers the same event (its chunk was recorded as queued)", async () => {
    const event = eventGridEvent();
    await deliver(grid, event);
    const logs = await deliver(grid, structuredClone(event));
    expect(await queued()).toHaveLength(1);
    expect(logs.some((log) => /queued by an earlier attempt; not sent again/.test(log.message))).toBe(true);
  });

  it("quarantines an invalid event with its reason, logs an error, and does not throw (no pointless retries)", async () => {
    const id = uniqueName("evt-grid-bad");
    const event = eventGridEvent({
      id,
      data: gaData([gaChunk(0, { contentLocation: "https://storage.asm.skype.com.evil.example/x" })]),
    });
    const logs = await deliver(grid, event);
    expect(await queued()).toEqual([]);
    const kept = await quarantinedFor(id);
    expect(kept).toHaveLength(1);
    expect(kept[0]?.json.reason).toMatchObject({
      code: "InvalidEvent",
      field: "data.recordingStorageInfo.recordingChunks[0].contentLocation",
    });
    expect(kept[0]?.json.input).toEqual(event);
    expect(kept[0]?.json.receivedVia).toMatch(/^eventGridTrigger/);
    expect(logs.some((log) => log.level === "error" && log.message.includes(id))).toBe(true);
  });

  it("quarantines an event from an unknown ACS resource", async () => {
    const id = uniqueName("evt-grid-foreign");
    await deliver(grid, eventGridEvent({ id, source: TEST_ACS_RESOURCE.replace("contoso-acs", "mallory-acs") }));
    expect(await queued()).toEqual([]);
    expect((await quarantinedFor(id)).map((blob) => blob.json.reason.field)).toEqual(["topic"]);
  });

  it("acknowledges and ignores other event types (debug log only)", async () => {
    const logs = await deliver(grid, otherAcsEvent());
    expect(await queued()).toEqual([]);
    expect(
      logs.some((log) => log.level === "debug" && log.message.includes("Microsoft.Communication.CallStarted")),
    ).toBe(true);
    expect(logs.filter((log) => log.level === "error")).toEqual([]);
  });
});

describe("Event Grid trigger with storage down", () => {
  let down: RegisteredFunction;
  beforeAll(async () => {
    down = loadGrid({
      AzureWebJobsStorage: await closedStorageConnectionString(),
      ACS_CONNECTION_STRING: TEST_ACS_CONNECTION_STRING,
      CHUNK_QUEUE: queueName,
      ALLOWED_ACS_RESOURCES: TEST_ACS_RESOURCE,
    });
  });

  it("throws so that Event Grid retries the event", async () => {
    const outcome = await deliver(down, eventGridEvent()).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(outcome).toBeInstanceOf(Error);
    expect((outcome as Error).name).toBe("StorageUnavailableError");
    expect((outcome as Error).message).not.toContain(AZURITE_KEY);
  });

  it("throws when an invalid event cannot be quarantined (instead of losing it)", async () => {
    await expect(
      deliver(down, eventGridEvent({ data: gaData([gaChunk(0, { documentId: "a/b" })]) })),
    ).rejects.toMatchObject({
      name: "StorageUnavailableError",
    });
  });
});

describe("Event Grid trigger: secrets", () => {
  it("never puts the ACS access key into a log line or a quarantine blob", async () => {
    const id = uniqueName("evt-grid-secret");
    await deliver(grid, eventGridEvent({ id, data: gaData([gaChunk(0, { index: -1 })]) }));
    await deliver(grid, eventGridEvent());
    await queued();
    await quarantinedFor(id);
    expect(TEST_ACS_ACCESS_KEY.length).toBeGreaterThan(20);
    expect(seenLogs.length).toBeGreaterThan(5);
    expect(seenBlobs.length).toBeGreaterThan(1);
    for (const text of [...seenLogs.map((log) => log.message), ...seenBlobs.map((blob) => blob.text)]) {
      expect(text).not.toContain(TEST_ACS_ACCESS_KEY);
      expect(text).not.toContain(AZURITE_KEY);
    }
  });
});
