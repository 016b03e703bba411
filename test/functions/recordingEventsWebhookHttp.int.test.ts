// Integration tier. Needs: Azurite, dist/, loopback servers.
import { BlobServiceClient, type ContainerClient } from "@azure/storage-blob";
import { QueueServiceClient, type QueueClient } from "@azure/storage-queue";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChunkMessage } from "../../src/queue/chunkMessage";
import type { RejectedBatch } from "../../src/storage/quarantine";
import { startAzurite, type RunningAzurite } from "../../tools/azurite";
import { findFunction, loadCompiledApp } from "../support/compiledApp";
import { serveHttpFunction, type FunctionHttpServer } from "../support/functionHttpServer";
import { eventGridEvent, gaChunk, gaData } from "../support/recordingEvents";
import { decodeAsQueueTrigger, drainQueue, listQuarantined } from "../support/storageProbe";
import { repeated, streamingPost, type StreamedAnswer } from "../support/streamingPost";
import { TEST_ACS_CONNECTION_STRING, TEST_ACS_RESOURCE, uniqueName } from "../support/testSettings";

// The compiled webhook served over real HTTP to hostile and careless clients, on its own Azurite (so that
// every quarantine blob in it is this file's). The body reaches the function as a stream, as with a
// streaming Functions host: what the function does not read is never read.
const MIB = 1024 * 1024;
const JSON_HEADERS = { "content-type": "application/json", "aeg-event-type": "Notification" };

let azurite: RunningAzurite;
let server: FunctionHttpServer;
let queue: QueueClient;
let quarantine: ContainerClient;

beforeAll(async () => {
  azurite = await startAzurite();
  const queueName = uniqueName("http-chunks");
  queue = QueueServiceClient.fromConnectionString(azurite.connectionString).getQueueClient(queueName);
  quarantine = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient("rejected-events");
  const app = loadCompiledApp({
    AzureWebJobsStorage: azurite.connectionString,
    ACS_CONNECTION_STRING: TEST_ACS_CONNECTION_STRING,
    CHUNK_QUEUE: queueName,
    ALLOWED_ACS_RESOURCES: TEST_ACS_RESOURCE,
  });
  server = await serveHttpFunction(findFunction(app, "recordingEventsWebhook"));
});

afterAll(async () => {
  await server?.stop();
  await azurite?.stop();
});

const post = (body: string, headers: Record<string, string> = JSON_HEADERS): Promise<StreamedAnswer> =>
  streamingPost(`${server.url}/api/recording-events`, headers, repeated(Buffer.from(body), body.length));
const errorCode = (answer: StreamedAnswer): unknown =>
  (JSON.parse(answer.text) as { error?: { code?: unknown } }).error?.code;
const queued = async (): Promise<ChunkMessage[]> =>
  (await drainQueue(queue)).map((text) => decodeAsQueueTrigger(text) as ChunkMessage);

interface Report {
  readonly received: number;
  readonly accepted: number;
  readonly enqueued: number;
  readonly rejectedCount: number;
  readonly rejected: readonly { readonly position: number; readonly keptAt: string }[];
}

describe("webhook over HTTP: the body limit counts bytes as they arrive", () => {
  it("refuses a chunked body (no Content-Length) past 1 MiB with 413 after reading about 1 MiB of it, not the 64 MiB sent", async () => {
    const before = server.bodyBytesRead;
    const answer = await streamingPost(
      `${server.url}/api/recording-events`,
      JSON_HEADERS,
      repeated(Buffer.from("[".padEnd(64 * 1024, " ")), 64 * MIB),
    );
    expect(answer.status).toBe(413);
    expect(errorCode(answer)).toBe("BodyTooLarge");
    const read = server.bodyBytesRead - before;
    expect(read).toBeGreaterThan(MIB);
    expect(read).toBeLessThan(2 * MIB);
    expect(answer.bytesSent).toBeLessThan(64 * MIB);
    expect(await queued()).toEqual([]);
  });

  it("refuses a declared Content-Length over 1 MiB with 413 without reading the body", async () => {
    const before = server.bodyBytesRead;
    const answer = await streamingPost(
      `${server.url}/api/recording-events`,
      { ...JSON_HEADERS, "content-length": String(8 * MIB) },
      repeated(Buffer.alloc(64 * 1024, 0x20), 8 * MIB),
    );
    expect(answer.status).toBe(413);
    expect(server.bodyBytesRead - before).toBe(0);
  });

  it("accepts a chunked body just under 1 MiB (the limit is not off by much)", async () => {
    const events = [eventGridEvent(), eventGridEvent()];
    const json = JSON.stringify(events);
    const padded = `${json.slice(0, -1)}${" ".repeat(MIB - json.length)}]`;
    expect(Buffer.byteLength(padded)).toBe(MIB);
    const answer = await streamingPost(
      `${server.url}/api/recording-events`,
      JSON_HEADERS,
      repeated(Buffer.from(padded), padded.length),
    );
    expect(answer.status).toBe(200);
    expect((await queued()).map((message) => message.eventId).sort()).toEqual(
      events.map((event) => String(event["id"])).sort(),
    );
  });
});

describe("webhook over HTTP: junk costs little", () => {
  it("keeps 4,998 junk elements as ONE record (one error line), enqueues the valid events among them, and a redelivery adds nothing", async () => {
    const valid = [eventGridEvent({ data: gaData([gaChunk(0)]) }), eventGridEvent()];
    // 5,000 elements in all: INTAKE_MAX_EVENTS_PER_DELIVERY's default (Event Grid's largest batch).
    const elements: unknown[] = Array.from({ length: 4_998 }, () => 1);
    elements.splice(7, 0, valid[0]);
    elements.splice(3_000, 0, valid[1]);
    const body = JSON.stringify(elements);
    const logsBefore = server.logs.length;

    const first = await post(body);
    expect(first.status).toBe(200);
    const report = JSON.parse(first.text) as Report;
    expect(report).toMatchObject({ received: 5_000, accepted: 2, enqueued: 2, rejectedCount: 4_998 });
    expect(report.rejected.length).toBeLessThanOrEqual(16);
    expect((await queued()).map((message) => message.eventId).sort()).toEqual(
      valid.map((event) => String(event["id"])).sort(),
    );

    const blobs = await listQuarantined(quarantine, (name) => name.startsWith("deliveries/"));
    expect(blobs).toHaveLength(1);
    const record = blobs[0]?.json as unknown as RejectedBatch;
    expect(record.rejections).toHaveLength(4_998);
    expect(record.input).toHaveLength(4_998);
    // Every rejected element is findable: its position in the delivery, its reason, the element itself.
    expect(record.rejections.map((rejection) => rejection.position)).toEqual(
      elements.flatMap((element, position) => (element === 1 ? [position] : [])),
    );
    expect(new Set(record.input)).toEqual(new Set([1]));
    const errors = server.logs.slice(logsBefore).filter((log) => log.level === "error");
    expect(errors).toHaveLength(1);
    expect(errors[0]?.message).toMatch(/^Rejected 4998 of 5000 events \(InvalidEvent ×4998\)/);

    // Event Grid redelivers (say the answer was lost): the same record, no new blob, the same place.
    const again = await post(body);
    expect(again.status).toBe(200);
    expect((JSON.parse(again.text) as Report).rejected[0]?.keptAt).toBe(report.rejected[0]?.keptAt);
    expect(await listQuarantined(quarantine, (name) => name.startsWith("deliveries/"))).toHaveLength(1);
    await queued();
  });

  it("refuses 20,000 junk elements whole (413 TooManyEvents: more than Event Grid ever batches), kept as one record", async () => {
    const body = JSON.stringify(Array.from({ length: 20_000 }, () => 2));
    const answer = await post(body);
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.text)).toMatchObject({
      error: { code: "TooManyEvents", target: "INTAKE_MAX_EVENTS_PER_DELIVERY" },
    });
    const kept = await listQuarantined(quarantine, (name) => name.startsWith("events/no-event-id-"));
    expect(kept.filter((blob) => blob.json.input === body)).toHaveLength(1);
    expect(await queued()).toEqual([]);
  });
});
