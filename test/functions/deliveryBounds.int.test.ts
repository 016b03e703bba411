// Integration tier. Needs: Azurite, dist/, loopback servers.
import { BlobServiceClient, type ContainerClient } from "@azure/storage-blob";
import { QueueServiceClient, type QueueClient } from "@azure/storage-queue";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChunkMessage } from "../../src/queue/chunkMessage";
import { startAzurite, type RunningAzurite } from "../../tools/azurite";
import { listBlobs } from "../support/archiveHarness";
import { findFunction, loadCompiledApp, type RegisteredFunction } from "../support/compiledApp";
import { serveHttpFunction, type FunctionHttpServer } from "../support/functionHttpServer";
import { startHostileStorage, type HostileStorage } from "../support/hostileStorage";
import { eventGridEvent, gaChunk, gaData, otherAcsEvent, previewChunk, type Json } from "../support/recordingEvents";
import { decodeAsQueueTrigger, drainQueue, listQuarantined } from "../support/storageProbe";
import { repeated, streamingPost, type StreamedAnswer } from "../support/streamingPost";
import { capturingContext, TEST_ACS_CONNECTION_STRING, TEST_ACS_RESOURCE, uniqueName } from "../support/testSettings";

// Per-delivery bounds and idempotent enqueueing, through the compiled app: the webhook served over real HTTP, on its
// own Azurite (every quarantine blob in it is this file's), and the Event Grid trigger as the host calls it.

const JSON_HEADERS = { "content-type": "application/json", "aeg-event-type": "Notification" };
const LOW_BOUNDS = {
  INTAKE_MAX_EVENTS_PER_DELIVERY: "40",
  INTAKE_MAX_RECORDINGS_PER_DELIVERY: "10",
  INTAKE_MAX_CHUNKS_PER_DELIVERY: "20",
};

let azurite: RunningAzurite;
const servers: FunctionHttpServer[] = [];

beforeAll(async () => {
  azurite = await startAzurite();
});
afterAll(async () => {
  await Promise.all(servers.map((server) => server.stop()));
  await azurite?.stop();
});

interface App {
  readonly url: string;
  readonly grid: RegisteredFunction;
  readonly queue: QueueClient;
  readonly recordings: ContainerClient;
}

function appWith(
  settings: Record<string, string>,
  names = { queue: uniqueName("bounds-chunks"), container: uniqueName("bounds-rec") },
): Promise<App> {
  return (async () => {
    const functions = loadCompiledApp({
      AzureWebJobsStorage: azurite.connectionString,
      ACS_CONNECTION_STRING: TEST_ACS_CONNECTION_STRING,
      ALLOWED_ACS_RESOURCES: TEST_ACS_RESOURCE,
      CHUNK_QUEUE: names.queue,
      RECORDINGS_CONTAINER: names.container,
      ...settings,
    });
    const server = await serveHttpFunction(findFunction(functions, "recordingEventsWebhook"));
    servers.push(server);
    return {
      url: `${server.url}/api/recording-events`,
      grid: findFunction(functions, "recordingEventsGrid"),
      queue: QueueServiceClient.fromConnectionString(azurite.connectionString).getQueueClient(names.queue),
      recordings: BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(names.container),
    };
  })();
}

const post = (app: App, events: readonly unknown[]): Promise<StreamedAnswer> => {
  const body = Buffer.from(JSON.stringify(events));
  return streamingPost(
    app.url,
    { ...JSON_HEADERS, "content-length": String(body.length) },
    repeated(body, body.length),
  );
};
const queued = async (app: App): Promise<ChunkMessage[]> =>
  (await drainQueue(app.queue)).map((text) => decodeAsQueueTrigger(text) as ChunkMessage);
const quarantine = (): ContainerClient =>
  BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient("rejected-events");

/** A recording event of `chunks` chunks (today's shape), its call id marking it. */
function recording(call: string, chunks: number, shape: "ga" | "preview" = "ga"): Json {
  const make = shape === "ga" ? gaChunk : previewChunk;
  return eventGridEvent({
    subject: `/recording/call/${call}/serverCallId/c2VydmVy/recordingId/rec-${call}`,
    data: gaData(Array.from({ length: chunks }, (_, index) => make(index))),
  });
}

/** The 413 answer's error, and the delivery kept whole in quarantine (found by a text only it contains). */
async function refused(
  answer: StreamedAnswer,
  marker: string,
): Promise<{ code: string; target: string; message: string; keptBody: string }> {
  expect(answer.status, answer.text).toBe(413);
  const { error } = JSON.parse(answer.text) as { error: { code: string; target: string; message: string } };
  const kept = await listQuarantined(quarantine(), (name) => name.startsWith("events/no-event-id-"));
  const record = kept.find((blob) => typeof blob.json.input === "string" && blob.json.input.includes(marker));
  expect(record, `no quarantine record holds ${marker}`).toBeDefined();
  expect(record?.json.reason.code).toBe(error.code);
  return { ...error, keptBody: String(record?.json.input) };
}

describe("per-delivery bounds (INTAKE_MAX_*_PER_DELIVERY): 413 naming the bound, nothing queued, the delivery kept", () => {
  let app: App;
  beforeAll(async () => {
    app = await appWith(LOW_BOUNDS);
  });

  it("above INTAKE_MAX_EVENTS_PER_DELIVERY (other event types count too)", async () => {
    const call = uniqueName("too-many-events");
    const events = [recording(call, 1), ...Array.from({ length: 40 }, () => otherAcsEvent())];
    const error = await refused(await post(app, events), call);
    expect(error).toMatchObject({ code: "TooManyEvents", target: "INTAKE_MAX_EVENTS_PER_DELIVERY" });
    expect(error.message).toMatch(/41 events, more than INTAKE_MAX_EVENTS_PER_DELIVERY \(40\)/);
    expect(JSON.parse(error.keptBody)).toEqual(events);
    expect(await queued(app)).toEqual([]);
  });

  it("above INTAKE_MAX_RECORDINGS_PER_DELIVERY, before anything is written", async () => {
    const call = uniqueName("too-many-recordings");
    const events = Array.from({ length: 11 }, (_, i) => recording(`${call}-${i}`, 1));
    const error = await refused(await post(app, events), call);
    expect(error).toMatchObject({ code: "TooManyRecordings", target: "INTAKE_MAX_RECORDINGS_PER_DELIVERY" });
    expect(error.message).toMatch(/11 recordings, more than INTAKE_MAX_RECORDINGS_PER_DELIVERY \(10\)/);
    expect(await queued(app)).toEqual([]);
    expect((await listBlobs(app.recordings)).filter((name) => name.includes(call))).toEqual([]);
  });

  it("above INTAKE_MAX_CHUNKS_PER_DELIVERY (counted across events, before validation)", async () => {
    const call = uniqueName("too-many-chunks");
    const error = await refused(await post(app, [recording(`${call}-a`, 11), recording(`${call}-b`, 11)]), call);
    expect(error).toMatchObject({ code: "TooManyChunks", target: "INTAKE_MAX_CHUNKS_PER_DELIVERY" });
    expect(error.message).toMatch(/22 chunks, more than INTAKE_MAX_CHUNKS_PER_DELIVERY \(20\)/);
    expect(await queued(app)).toEqual([]);
  });

  it("at every bound at once: 200, everything queued", async () => {
    const call = uniqueName("at-bounds");
    const events = [
      ...Array.from({ length: 10 }, (_, i) => recording(`${call}-${i}`, 2)),
      ...Array.from({ length: 30 }, () => otherAcsEvent()),
    ];
    const answer = await post(app, events);
    expect(answer.status, answer.text).toBe(200);
    expect(JSON.parse(answer.text)).toMatchObject({
      received: 40,
      accepted: 10,
      ignored: 30,
      enqueued: 20,
      alreadyQueued: 0,
    });
    expect(await queued(app)).toHaveLength(20);
  });

  it("the Event Grid trigger (one event per call): an event over the chunk bound is kept in quarantine and acknowledged, nothing queued", async () => {
    const call = uniqueName("grid-too-many");
    const { context, logs } = capturingContext("recordingEventsGrid");
    await expect(app.grid.handler(recording(call, 21), context)).resolves.toBeUndefined();
    expect(await queued(app)).toEqual([]);
    const kept = (await listQuarantined(quarantine())).find(
      (blob) => typeof blob.json.input === "string" && blob.json.input.includes(call),
    );
    expect(kept?.json).toMatchObject({ reason: { code: "TooManyChunks" }, receivedVia: "eventGridTrigger" });
    expect(logs.some((line) => line.level === "error" && line.message.includes("INTAKE_MAX_CHUNKS_PER_DELIVERY"))).toBe(
      true,
    );
    // At the bound it is queued as usual.
    await app.grid.handler(recording(`${call}-ok`, 20), capturingContext("recordingEventsGrid").context);
    expect(await queued(app)).toHaveLength(20);
  });
});

describe("the default bounds", () => {
  let app: App;
  beforeAll(async () => {
    app = await appWith({});
  });

  it.each([
    [
      "TooManyEvents",
      "INTAKE_MAX_EVENTS_PER_DELIVERY",
      (call: string) => [recording(call, 1), ...Array.from({ length: 5_000 }, () => ({ eventType: "Other", id: "x" }))],
    ],
    [
      "TooManyRecordings",
      "INTAKE_MAX_RECORDINGS_PER_DELIVERY",
      (call: string) => Array.from({ length: 1_001 }, (_, i) => recording(`${call}-${i}`, 1, "preview")),
    ],
    [
      "TooManyChunks",
      "INTAKE_MAX_CHUNKS_PER_DELIVERY",
      (call: string) => [
        recording(`${call}-a`, 1_000, "preview"),
        recording(`${call}-b`, 1_000, "preview"),
        recording(`${call}-c`, 1, "preview"),
      ],
    ],
  ] as const)("answer 413 %s above %s", async (code, target, delivery) => {
    const call = uniqueName(code);
    const events = delivery(call);
    expect(Buffer.byteLength(JSON.stringify(events))).toBeLessThanOrEqual(1024 * 1024);
    const error = await refused(await post(app, events), call);
    expect(error).toMatchObject({ code, target });
    expect(await queued(app)).toEqual([]);
  });
});

describe("enqueueing is idempotent per chunk across redeliveries of the same delivery", () => {
  it("a redelivery (same event ids) sends no message for chunks an earlier attempt queued; a new event's chunks still go", async () => {
    const app = await appWith({});
    const call = uniqueName("redelivered");
    const delivery = [recording(`${call}-a`, 2), recording(`${call}-b`, 3)];
    const first = await post(app, delivery);
    expect(JSON.parse(first.text)).toMatchObject({ enqueued: 5, alreadyQueued: 0 });
    const again = await post(app, delivery);
    expect(again.status, again.text).toBe(200);
    expect(JSON.parse(again.text)).toMatchObject({ accepted: 2, enqueued: 0, alreadyQueued: 5 });
    const third = await post(app, [...delivery, recording(`${call}-c`, 1)]);
    expect(JSON.parse(third.text)).toMatchObject({ enqueued: 1, alreadyQueued: 5 });
    const messages = await queued(app);
    expect(messages).toHaveLength(6);
    expect(new Set(messages.map((message) => message.chunkKey)).size).toBe(6);
    // One queued record per chunk, beside the expected record (whose layout is unchanged).
    const catalog = await listBlobs(app.recordings, "archive-catalog/");
    expect(catalog.filter((name) => name.includes("/queued/"))).toHaveLength(6);
    expect(catalog.filter((name) => name.endsWith("/expected.json"))).toHaveLength(3);
  });

  it("a crash between a message and its queued record never loses the chunk: the retry sends it again", async () => {
    const names = { queue: uniqueName("crash-chunks"), container: uniqueName("crash-rec") };
    // The first attempt's Storage refuses every queued record (after the messages went out), as a crash there would.
    let hostile: HostileStorage | undefined;
    try {
      hostile = await startHostileStorage(azurite.connectionString, (req) =>
        req.method === "PUT" && (req.url ?? "").includes("/queued/") ? { answer: 503 } : undefined,
      );
      // Each app is loaded (and its services built, on its first request) before the next: one copy of the modules each.
      const crashing = await appWith({ RECORDINGS_STORAGE: hostile.connectionString }, names);
      const call = uniqueName("crash");
      const delivery = [recording(`${call}-a`, 2), recording(`${call}-b`, 1)];
      const failed = await post(crashing, delivery);
      expect(failed.status, failed.text).toBe(503);
      // The crash came after messages went out (and before they were recorded as queued).
      expect((await crashing.queue.peekMessages({ numberOfMessages: 32 })).peekedMessageItems.length).toBeGreaterThan(
        0,
      );
      expect(
        (await listBlobs(crashing.recordings, "archive-catalog/")).filter((name) => name.includes("/queued/")),
      ).toEqual([]);
      const healthy = await appWith({}, names);
      const retried = await post(healthy, delivery);
      expect(retried.status, retried.text).toBe(200);
      expect(JSON.parse(retried.text)).toMatchObject({ enqueued: 3 });
      expect(JSON.parse((await post(healthy, delivery)).text)).toMatchObject({ enqueued: 0, alreadyQueued: 3 });
      const messages = await queued(healthy);
      // Sent by the first attempt and again by the retry: duplicates (no-ops for the archiver), none missing.
      expect(new Set(messages.map((message) => message.chunkKey)).size).toBe(3);
      expect(messages.length).toBeGreaterThanOrEqual(3);
      expect(messages.length).toBeLessThanOrEqual(6);
    } finally {
      await hostile?.close();
    }
  });
});
