// Integration tier. Needs: Azurite, loopback servers.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { pathSegment } from "../../src/layout/blobLayout";
import type { AppConfig } from "../../src/config/appConfig";
import { readStorageConnection } from "../../src/config/storageConnection";
import type { ChunkMessage } from "../../src/queue/chunkMessage";
import { readEnvelope } from "../../src/events/eventEnvelope";
import { chunkMessagesFromEvent } from "../../src/events/recordingEvent";
import { InvalidDeliveryError, StorageUnavailableError } from "../../src/errors";
import type { IntakeReport } from "../../src/intake/recordingIntake";
import { ChunkQueue } from "../../src/queue/chunkQueue";
import { createQueueServiceClient } from "../../src/storage/storageClients";
import { azuriteProbes, intakeRig, RecordingLog, type IntakeRig, type IntakeRigOptions } from "../support/intakeRig";
import {
  cloudEvent,
  eventGridEvent,
  gaChunk,
  gaData,
  otherAcsEvent,
  previewChunk,
  type Json,
} from "../support/recordingEvents";
import {
  blobNameFromKeptAt,
  closedStorageConnectionString,
  decodeAsQueueTrigger,
  drainQueue,
  hostJsonMessageEncoding,
  listQuarantined,
  readQuarantined,
} from "../support/storageProbe";
import { TEST_ACS_RESOURCE, uniqueName } from "../support/testSettings";

const connectionString = inject("azuriteConnectionString");

type Rig = IntakeRig;
const rig = (options: IntakeRigOptions = {}): Rig => intakeRig(connectionString, options);

const probes = azuriteProbes(connectionString);
const probeQueue = probes.queue;
const probeContainer = probes.container;
const receivedMessages = probes.messages;

function expectedMessages(raw: Json, config: AppConfig): ChunkMessage[] {
  const envelope = readEnvelope(raw);
  if (!envelope) throw new Error("not an event");
  return chunkMessagesFromEvent(envelope, config);
}

const byIndex = (a: ChunkMessage, b: ChunkMessage): number => a.chunkKey.localeCompare(b.chunkKey) || a.index - b.index;

describe("RecordingIntake against Azurite: fan-out", () => {
  const r = rig();
  afterAll(async () => {
    await probeQueue(r.queue).deleteIfExists();
  });

  it("enqueues exactly one message per chunk", async () => {
    const event = eventGridEvent({ data: gaData([gaChunk(0), gaChunk(1), gaChunk(2)]) });
    const log = new RecordingLog();
    const report = await r.intake.receive([event], "test", log);
    expect(report).toEqual<IntakeReport>({
      received: 1,
      accepted: 1,
      ignored: 0,
      enqueued: 3,
      alreadyQueued: 0,
      skippedErased: 0,
      rejectedCount: 0,
      rejected: [],
    });
    const messages = await receivedMessages(r.queue);
    expect(messages.map((m) => m.index).sort()).toEqual([0, 1, 2]);
    expect(new Set(messages.map((m) => m.chunkKey)).size).toBe(3);
    expect(log.at("info").filter((line) => line.includes(r.queue.name))).toHaveLength(3);
  });

  it("writes messages the Functions queue trigger decodes (host.json messageEncoding) into the exact chunk message", async () => {
    const event = cloudEvent({
      data: gaData([gaChunk(0), gaChunk(1, { endReason: "ChunkMaximumSizeExceeded" })], { storageType: "blobstorage" }),
    });
    await r.intake.receive([event], "test", new RecordingLog());
    const raw = await drainQueue(probeQueue(r.queue));
    expect(raw).toHaveLength(2);
    const encoding = hostJsonMessageEncoding();
    for (const text of raw) {
      if (encoding === "base64") {
        // What the host decodes: strict base64 of UTF-8 JSON, not the JSON itself.
        expect(text).toMatch(/^[A-Za-z0-9+/]+={0,2}$/);
        expect(() => JSON.parse(text) as unknown).toThrow();
      }
    }
    const decoded = raw.map((text) => decodeAsQueueTrigger(text) as ChunkMessage).sort(byIndex);
    expect(decoded).toEqual(expectedMessages(event, r.config).sort(byIndex));
    for (const message of decoded) {
      expect(message.version).toBe(1);
      expect(message.resource).toBe(TEST_ACS_RESOURCE.toLowerCase());
      expect(message.chunkKey).toBe(`${TEST_ACS_RESOURCE.toLowerCase()}|${message.documentId}|${message.index}`);
      expect(message.chunkCount).toBe(2);
      expect(message.storageType).toBe("blobstorage");
      expect(message.eventId).toBe(event["id"]);
    }
  });

  it("keeps non-ASCII text intact through the encoding", async () => {
    const event = eventGridEvent({
      subject: "/recording/call/appel-été-通話",
      data: gaData([previewChunk(0)], { sessionEndReason: "Beëindigd" }),
    });
    await r.intake.receive([event], "test", new RecordingLog());
    const [message] = await receivedMessages(r.queue);
    expect(message?.callId).toBe("appel-été-通話");
    expect(message?.sessionEndReason).toBe("Beëindigd");
  });

  it("enqueues nothing and quarantines nothing for an empty batch or only other event types", async () => {
    const log = new RecordingLog();
    expect(await r.intake.receive([], "test", log)).toEqual({
      received: 0,
      accepted: 0,
      ignored: 0,
      enqueued: 0,
      alreadyQueued: 0,
      skippedErased: 0,
      rejectedCount: 0,
      rejected: [],
    });
    expect(await r.intake.receive([otherAcsEvent(), otherAcsEvent()], "test", log)).toEqual({
      received: 2,
      accepted: 0,
      ignored: 2,
      enqueued: 0,
      alreadyQueued: 0,
      skippedErased: 0,
      rejectedCount: 0,
      rejected: [],
    });
    expect(await receivedMessages(r.queue)).toEqual([]);
    expect(await listQuarantined(probeContainer(r.container))).toEqual([]);
    // One line for the delivery, with the count: junk of other types costs one line, not one per event.
    expect(log.at("debug").filter((line) => line.includes("Microsoft.Communication.CallStarted"))).toEqual([
      "Ignored 2 events of other types: Microsoft.Communication.CallStarted ×2.",
    ]);
    expect(log.at("error")).toEqual([]);
  });
});

describe("RecordingIntake against Azurite: a mixed batch", () => {
  const r = rig();
  afterAll(async () => {
    await probeQueue(r.queue).deleteIfExists();
    await probeContainer(r.container).deleteIfExists();
  });

  it("enqueues the valid events, quarantines each invalid one with its reason, ignores other types, drops nothing", async () => {
    const validGrid = eventGridEvent({ data: gaData([gaChunk(0), gaChunk(1)]) });
    const validCloud = cloudEvent({ data: gaData([previewChunk(0)]) });
    const hostile = eventGridEvent({
      id: "evt-hostile/../x",
      data: gaData([gaChunk(0, { contentLocation: "https://user@evil/" })]),
    });
    const badIndex = cloudEvent({ id: "evt-bad-index", data: gaData([gaChunk(0), gaChunk(-1)]) });
    const foreign = eventGridEvent({
      id: "evt-foreign",
      source: TEST_ACS_RESOURCE.replace("contoso-acs", "mallory-acs"),
    });
    const noId = eventGridEvent({ id: undefined });
    const notAnEvent = 42;
    const batch: unknown[] = [validGrid, hostile, otherAcsEvent(), badIndex, notAnEvent, validCloud, foreign, noId];
    const log = new RecordingLog();

    const report = await r.intake.receive(batch, "test", log);

    expect(report.received).toBe(8);
    expect(report.accepted).toBe(2);
    expect(report.ignored).toBe(1);
    expect(report.enqueued).toBe(3);
    expect(report.rejected).toHaveLength(5);
    expect(report.accepted + report.ignored + report.rejected.length).toBe(report.received);

    const messages = await receivedMessages(r.queue);
    expect(messages.map((m) => m.eventId).sort()).toEqual([validGrid["id"], validGrid["id"], validCloud["id"]].sort());

    const expectations: { readonly id: string | undefined; readonly input: unknown; readonly field?: string }[] = [
      { id: "evt-hostile/../x", input: hostile, field: "data.recordingStorageInfo.recordingChunks[0].contentLocation" },
      { id: "evt-bad-index", input: badIndex, field: "data.recordingStorageInfo.recordingChunks[1].index" },
      { id: undefined, input: notAnEvent },
      { id: "evt-foreign", input: foreign, field: "topic" },
      { id: undefined, input: noId, field: "id" },
    ];
    const kept = await Promise.all(
      report.rejected.map((rejected) =>
        readQuarantined(probeContainer(r.container), blobNameFromKeptAt(r.container, rejected.keptAt)),
      ),
    );
    for (const expected of expectations) {
      const blob = kept.find((candidate) => JSON.stringify(candidate.json.input) === JSON.stringify(expected.input));
      expect(blob, `quarantine blob for ${expected.id ?? JSON.stringify(expected.input).slice(0, 40)}`).toBeDefined();
      if (!blob) continue;
      expect(blob.name).toMatch(/^events\/.+-[0-9a-f]{32}\.json$/);
      // The id is in the name, escaped injectively like every blob name (no "/" or ".." path games).
      expect(blob.name).toContain(expected.id ? pathSegment(expected.id) : "no-event-id");
      expect(blob.name.split("/")).toHaveLength(2);
      expect(blob.json.reason.code).toBe("InvalidEvent");
      expect(blob.json.reason.message.length).toBeGreaterThan(0);
      if (expected.field) expect(blob.json.reason.field).toBe(expected.field);
      expect(blob.json.eventId).toBe(expected.id);
      expect(blob.json.receivedVia).toMatch(/^test/);
      expect(Date.parse(blob.json.rejectedAt)).not.toBeNaN();
    }
    // Exactly the five, nothing else.
    expect(await listQuarantined(probeContainer(r.container))).toHaveLength(5);
    // ONE error line for the delivery: the counts, the first reasons, and where each was kept.
    expect(log.at("error")).toHaveLength(1);
    expect(log.at("error")[0]).toMatch(/^Rejected 5 of 8 events \(InvalidEvent ×5\)/);
    for (const rejected of report.rejected) expect(log.at("error")[0]).toContain(rejected.keptAt);
  });

  it("keeps a whole unreadable delivery with its reason", async () => {
    const body = `{"not": "json" ${uniqueName("marker")}`;
    const log = new RecordingLog();
    const keptAt = await r.intake.rejectDelivery(
      body,
      new InvalidDeliveryError("InvalidJson", "The body is not valid JSON."),
      "webhook",
      log,
    );
    const blob = await readQuarantined(probeContainer(r.container), blobNameFromKeptAt(r.container, keptAt));
    expect(blob.json.input).toBe(body);
    expect(blob.json.reason).toEqual({ code: "InvalidJson", message: "The body is not valid JSON." });
    expect(blob.name).toMatch(/^events\/no-event-id-[0-9a-f]{32}\.json$/);
    expect(log.at("error").some((line) => line.includes(keptAt))).toBe(true);
  });
});

describe("RecordingIntake against Azurite: duplicates", () => {
  const r = rig();
  afterAll(async () => {
    await probeQueue(r.queue).deleteIfExists();
  });

  it("queues each chunk of an event carried twice in one delivery once; without the catalog, a redelivery makes identical duplicates", async () => {
    const event = eventGridEvent({ data: gaData([gaChunk(0), gaChunk(1)]) });
    expect(await r.intake.receive([event, event], "test", new RecordingLog())).toMatchObject({
      accepted: 2,
      enqueued: 2,
    });
    // (With the catalog, the app's wiring, a redelivery sends nothing again: test/functions/deliveryBounds.int.test.ts.)
    await r.intake.receive([structuredClone(event)], "test", new RecordingLog());
    const messages = await receivedMessages(r.queue);
    expect(messages).toHaveLength(4);
    const byKey = new Map<string, ChunkMessage[]>();
    for (const message of messages) byKey.set(message.chunkKey, [...(byKey.get(message.chunkKey) ?? []), message]);
    expect(byKey.size).toBe(2);
    for (const copies of byKey.values()) {
      expect(copies).toHaveLength(2);
      for (const copy of copies) expect(copy).toEqual(copies[0]);
    }
  });

  it("gives the same chunk the same chunkKey whichever schema or event id delivered it", async () => {
    const chunk = gaChunk(0);
    const data = gaData([chunk]);
    await r.intake.receive(
      [eventGridEvent({ data }), cloudEvent({ data, source: TEST_ACS_RESOURCE.toUpperCase() })],
      "test",
      new RecordingLog(),
    );
    const messages = await receivedMessages(r.queue);
    expect(messages).toHaveLength(2);
    expect(messages[0]?.chunkKey).toBe(messages[1]?.chunkKey);
    expect(messages[0]?.eventId).not.toBe(messages[1]?.eventId);
  });
});

describe("RecordingIntake against Azurite: storage down", () => {
  let closed = "";
  beforeAll(async () => {
    closed = await closedStorageConnectionString();
  });

  async function failure(promise: Promise<unknown>): Promise<StorageUnavailableError> {
    try {
      await promise;
    } catch (error) {
      if (error instanceof StorageUnavailableError) return error;
      throw new Error(`expected StorageUnavailableError, got ${String(error)}`, { cause: error });
    }
    throw new Error("intake reported success while storage was down");
  }

  it("throws StorageUnavailableError when the queue is down, and enqueues nothing", async () => {
    const r = rig({ queueConnection: closed, fastFail: true });
    const log = new RecordingLog();
    const error = await failure(r.intake.receive([eventGridEvent()], "test", log));
    expect(error.code).toBe("StorageUnavailable");
    expect(error.message).toContain(r.queue.name);
    expect(log.at("info")).toEqual([]);
  });

  it("when the queue is down, still quarantines the invalid events of the batch, and still throws", async () => {
    const r = rig({ queueConnection: closed, fastFail: true });
    const invalid = eventGridEvent({
      id: uniqueName("evt-invalid"),
      data: gaData([gaChunk(0, { documentId: "../escape" })]),
    });
    await failure(r.intake.receive([eventGridEvent(), invalid], "test", new RecordingLog()));
    const kept = await listQuarantined(probeContainer(r.container));
    expect(kept.map((blob) => blob.json.eventId)).toEqual([invalid["id"]]);
  });

  it("when the quarantine is down, throws (the delivery must be retried) and says the event was NOT kept", async () => {
    const r = rig({ blobConnection: closed, fastFail: true });
    const valid = eventGridEvent();
    const invalid = eventGridEvent({ id: "evt-unkept", data: gaData([gaChunk(0, { index: "int" })]) });
    const log = new RecordingLog();
    await failure(r.intake.receive([valid, invalid], "test", log));
    expect(
      log.at("error").some((line) => line.includes("evt-unkept") && line.includes("could NOT be quarantined")),
    ).toBe(true);
    // Deterministic: intake answers only after the queue write has finished, whatever the quarantine did.
    // The valid event's chunk was queued; Event Grid's redelivery makes a duplicate, which the archiver ignores.
    expect((await receivedMessages(r.queue)).map((m) => m.eventId)).toEqual([valid["id"]]);
  });

  it("throws StorageUnavailableError for a rejected delivery that cannot be kept", async () => {
    const r = rig({ blobConnection: closed, fastFail: true });
    await failure(
      r.intake.rejectDelivery(
        "nope",
        new InvalidDeliveryError("InvalidJson", "not JSON"),
        "webhook",
        new RecordingLog(),
      ),
    );
  });

  it("reports the outage within seconds with the app's own retry settings (STORAGE_RETRY)", async () => {
    const connection = readStorageConnection({ AzureWebJobsStorage: closed }, "AzureWebJobsStorage");
    if (!connection) throw new Error("no connection");
    const queue = createQueueServiceClient(connection).getQueueClient(uniqueName("down"));
    const chunkQueue = new ChunkQueue(queue);
    const started = Date.now();
    const message = expectedMessages(eventGridEvent(), rig().config)[0];
    if (!message) throw new Error("no message");
    await failure(chunkQueue.enqueue([message]));
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
