// Integration tier. Needs: Azurite, the ACS simulator, loopback servers.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { chunkBlobNames, manifestName } from "../../src/layout/blobLayout";
import { archiveEventId, ARCHIVE_EVENT_TYPES } from "../../src/catalog/archiveEvents";
import { manifestForEvent, readManifest } from "../../src/catalog/recordingManifest";
import { startAcsSimulator, type AcsSimulator } from "../../tools/acsSimulator";
import { startEventReceiver, type EventReceiver } from "../../tools/eventReceiver";
import { catalogHarness } from "../support/catalogHarness";
import { capturingContext } from "../support/testSettings";

let sim: AcsSimulator;
let receiver: EventReceiver;
beforeAll(async () => {
  [sim, receiver] = await Promise.all([startAcsSimulator(), startEventReceiver()]);
});
afterAll(async () => {
  // Whatever was published in this file (RecordingArchived, ChunkArchiveFailed, ChunkDeadlineAtRisk): no raw participant
  // id of the simulator's metadata documents left the archive.
  expect(receiver.events.length).toBeGreaterThan(0);
  expect(JSON.stringify(receiver.events)).not.toMatch(/8:acs:|participantIds/);
  await Promise.all([sim.close(), receiver.close()]);
});

function eventsOfType(type: string, subject?: string): Record<string, unknown>[] {
  return receiver.events.filter(
    (event) =>
      (event["eventType"] ?? event["type"]) === type && (subject === undefined || event["subject"] === subject),
  );
}

describe("events for downstream systems, through EventGridPublisherClient to a loopback topic", () => {
  it("publishes RecordingArchived with the manifest and its URL, under a deterministic id (Event Grid schema, key credential)", async () => {
    const harness = catalogHarness(sim, inject("azuriteConnectionString"), { receiver });
    const messages = harness.messagesFor({
      callId: "call-events",
      recordingId: "rec-events",
      chunks: [
        { documentId: "ev-doc-0", size: 10_000 },
        { documentId: "ev-doc-1", size: 20_000 },
      ],
    });
    const { context } = capturingContext();
    for (const message of messages) expect((await harness.catalogJob.run(message, context)).status).toBe("archived");
    const folder = chunkBlobNames(messages[0]!).folder;
    const subject = `recordings/call-events/${messages[0]!.recordingStartTime}`;
    const [event] = eventsOfType(ARCHIVE_EVENT_TYPES.recordingArchived, subject);
    expect(event).toBeDefined();
    expect(event).toMatchObject({
      id: archiveEventId(ARCHIVE_EVENT_TYPES.recordingArchived, folder),
      dataVersion: "1.0",
    });
    const data = event!["data"] as { manifest: unknown; manifestBlob: string; manifestUrl: string };
    // The stored manifest, with its participants as a count only: no raw participant id leaves the archive.
    const stored = await readManifest(harness.container, manifestName(folder));
    expect(data.manifest).toEqual(JSON.parse(JSON.stringify(manifestForEvent(stored!))));
    expect(data.manifest).toMatchObject({ participantCount: stored!.participantIds.length });
    expect(data.manifest).not.toHaveProperty("participantIds");
    expect(data.manifestBlob).toBe(`${harness.container.containerName}/${manifestName(folder)}`);
    expect(data.manifestUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/devstoreaccount1\/.+manifest\.json$/);
    expect(
      receiver.publishes.every(
        (publish) => publish.auth === "key" && publish.contentType.startsWith("application/json"),
      ),
    ).toBe(true);
    // A redelivered chunk re-publishes the same event: same id, so consumers drop the duplicate.
    expect((await harness.catalogJob.run(messages[0], context)).status).toBe("alreadyArchived");
    const again = eventsOfType(ARCHIVE_EVENT_TYPES.recordingArchived, subject);
    expect(again.length).toBeGreaterThan(1);
    expect(new Set(again.map((item) => item["id"]))).toEqual(new Set([event!["id"]]));
  });

  it("a refused publish hands the chunk back for a retry; the retry re-downloads nothing and publishes the same id", async () => {
    const harness = catalogHarness(sim, inject("azuriteConnectionString"), { receiver });
    const [message] = harness.messagesFor({
      callId: "call-refused",
      chunks: [{ documentId: "refused-doc-0", size: 400_000 }],
    });
    const { context } = capturingContext();
    receiver.refuseNext(1, 403);
    const before = receiver.publishes.length;
    const first = await harness.catalogJob.run(message, context);
    expect(first.status).toBe("retry");
    const refused = receiver.publishes.slice(before).find((publish) => publish.status === 403);
    expect(refused?.events[0]?.["eventType"]).toBe(ARCHIVE_EVENT_TYPES.recordingArchived);
    // The archive itself is done: the manifest is there, only the event is owed.
    expect(await readManifest(harness.container, manifestName(chunkBlobNames(message!).folder))).toBeDefined();
    const served = sim.counters.documents["refused-doc-0"]!.contentBytesServed;
    const second = await harness.catalogJob.run(message, context);
    expect(second.status).toBe("alreadyArchived");
    expect(sim.counters.documents["refused-doc-0"]!.contentBytesServed).toBe(served);
    const published = eventsOfType(
      ARCHIVE_EVENT_TYPES.recordingArchived,
      `recordings/call-refused/${message!.recordingStartTime}`,
    );
    expect(published).toHaveLength(1);
    expect(published[0]!["id"]).toBe(refused!.events[0]!["id"]);
  });

  it("publishes ChunkArchiveFailed with the outcome record's facts and no secrets", async () => {
    const harness = catalogHarness(sim, inject("azuriteConnectionString"), { receiver });
    sim.addDocument("failed-doc-0", { size: 1_000, faults: [{ kind: "status", status: 400 }] });
    const [message] = harness.messagesFor({
      callId: "call-failed",
      chunks: [{ documentId: "failed-doc-0", size: 1_000 }],
    });
    const { context } = capturingContext();
    const result = await harness.catalogJob.run(message, context);
    expect(result.status).toBe("failed");
    const [event] = eventsOfType(
      ARCHIVE_EVENT_TYPES.chunkArchiveFailed,
      `recordings/call-failed/${message!.recordingStartTime}`,
    );
    expect(event).toMatchObject({
      id: archiveEventId(ARCHIVE_EVENT_TYPES.chunkArchiveFailed, `${message!.chunkKey}|failed`),
    });
    expect(event!["data"]).toMatchObject({
      chunkKey: message!.chunkKey,
      callId: "call-failed",
      index: 0,
      documentId: "failed-doc-0",
      outcome: "failed",
      httpStatus: 400,
      deadline: message!.deadline,
    });
    expect((event!["data"] as { reason: { code: string } }).reason.code).toBe("AcsHttpStatus");
    expect((event!["data"] as { failureRecord: string }).failureRecord).toContain("archive-failures/");
    const text = JSON.stringify(event);
    expect(text).not.toContain(sim.accessKey);
    expect(text).not.toMatch(/accesskey=|Signature=|sig=/i);
  });

  it("publishes ChunkDeadlineAtRisk when a chunk still fails with a quarter of its window left, as a CloudEvent", async () => {
    sim.addDocument("risk-doc-0", { size: 1_000, faults: [{ kind: "status", status: 503 }] });
    const probe = catalogHarness(sim, inject("azuriteConnectionString"));
    const [template] = probe.messagesFor({ callId: "call-risk", chunks: [{ documentId: "risk-doc-0", size: 1_000 }] });
    // An eighth of the retention window before the deadline: less than a quarter is left.
    const window = Date.parse(template!.deadline) - Date.parse(template!.eventTime);
    const now = (): Date => new Date(Date.parse(template!.deadline) - window / 8);
    const harness = catalogHarness(sim, inject("azuriteConnectionString"), { receiver, schema: "CloudEvent", now });
    const { context } = capturingContext();
    const result = await harness.catalogJob.run(template, context);
    expect(result.status).toBe("retry");
    const [event] = eventsOfType(
      ARCHIVE_EVENT_TYPES.chunkDeadlineAtRisk,
      `recordings/call-risk/${template!.recordingStartTime}`,
    );
    expect(event).toMatchObject({
      specversion: "1.0",
      source: "recording-archiver",
      id: archiveEventId(ARCHIVE_EVENT_TYPES.chunkDeadlineAtRisk, template!.chunkKey),
    });
    expect(event!["data"]).toMatchObject({
      chunkKey: template!.chunkKey,
      deadline: template!.deadline,
      hoursLeft: Math.round((window / 8 / 3_600_000) * 100) / 100,
    });
    const publish = receiver.publishes.find(
      (item) => item.events.includes(event!) || item.events.some((candidate) => candidate["id"] === event!["id"]),
    );
    expect(publish?.contentType).toMatch(/^application\/cloudevents-batch\+json/);
  });
});
