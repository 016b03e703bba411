import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { chunkBlobNames, manifestName } from "../../src/archive/blobLayout";
import { archiveEventId, ARCHIVE_EVENT_TYPES } from "../../src/catalog/archiveEvents";
import { readJsonBlob } from "../../src/catalog/boundedReads";
import { deadlineHour, deadlineMarkerName } from "../../src/catalog/deadlineMarkers";
import { DeadlineWatch } from "../../src/catalog/deadlineWatch";
import { eventSinkFor, NO_EVENTS } from "../../src/catalog/eventPublisher";
import { archiveEventsSetting } from "../../src/config/archiveEventsSettings";
import type { ChunkMessage } from "../../src/events/chunkMessage";
import { startAcsSimulator, type AcsSimulator } from "../../tools/acsSimulator";
import { startEventReceiver, type EventReceiver } from "../../tools/eventReceiver";
import { catalogHarness, type CatalogHarness } from "../support/catalogHarness";
import { capturingContext, uniqueName } from "../support/testSettings";

// The deadline watch over Azurite: intake's records and markers, the archiver's blobs, the status reading, and
// ChunkDeadlineAtRisk through EventGridPublisherClient to a loopback topic. The watch's clock is injected.

const HOUR = 3_600_000;
let sim: AcsSimulator;
let receiver: EventReceiver;
beforeAll(async () => {
  [sim, receiver] = await Promise.all([startAcsSimulator(), startEventReceiver()]);
});
afterAll(async () => Promise.all([sim.close(), receiver.close()]));

function atRiskEvents(callId: string): Record<string, unknown>[] {
  return receiver.events.filter(
    (event) => event["eventType"] === ARCHIVE_EVENT_TYPES.chunkDeadlineAtRisk && String(event["subject"]).startsWith(`recordings/${callId}/`),
  );
}

/** One clock for the harness (archiver, status reading) and the watch; tests move it instead of waiting. */
interface Clock {
  now: Date;
}

function harnessAt(clock: Clock): CatalogHarness {
  return catalogHarness(sim, inject("azuriteConnectionString"), { now: () => clock.now });
}

function watchOf(
  harness: CatalogHarness,
  clock: Clock,
  events = eventSinkFor(archiveEventsSetting({ ARCHIVE_EVENTS_ENDPOINT: receiver.endpoint, ARCHIVE_EVENTS_KEY: receiver.key })),
): DeadlineWatch {
  return new DeadlineWatch({
    container: harness.container,
    status: harness.status,
    events,
    retentionHours: harness.config.retentionHours,
    now: () => clock.now,
  });
}

/** One recording intake has seen (its expected record and markers written), its event `hoursAgo` old. */
async function intake(harness: CatalogHarness, callId: string, hoursAgo: number, documents: string[], now: Date): Promise<ChunkMessage[]> {
  const messages = harness.messagesFor({
    callId,
    recordingId: `${callId}-rec`,
    eventTime: new Date(now.getTime() - hoursAgo * HOUR).toISOString(),
    chunks: documents.map((documentId) => ({ documentId, size: 2_000 })),
  });
  expect((await harness.expected.write(messages)).recordings).toBe(1);
  return messages;
}

describe("the deadline watch (ChunkDeadlineAtRisk for chunks never archived)", () => {
  it("intake writes one write-once deadline marker per recording, in its deadline hour, outside calls/", async () => {
    const clock = { now: new Date() };
    const harness = harnessAt(clock);
    const now = clock.now;
    const messages = await intake(harness, uniqueName("marker-call"), 1, ["mk-doc-0", "mk-doc-1"], now);
    const folder = chunkBlobNames(messages[0]!).folder;
    const name = deadlineMarkerName(deadlineHour(messages[0]!.deadline)!, folder);
    expect(name).toMatch(/^archive-deadlines\/\d{8}T\d{2}\//);
    expect(await readJsonBlob(harness.container, name, 4096)).toEqual({ schemaVersion: 1, recordingFolder: folder, deadline: messages[0]!.deadline });
    // A redelivery finds the marker there (If-None-Match: *): no error, still one marker.
    expect((await harness.expected.write(messages)).recordings).toBe(1);
    const markers: string[] = [];
    for await (const blob of harness.container.listBlobsFlat({ prefix: "archive-deadlines/" })) markers.push(blob.name);
    expect(markers).toEqual([name]);
  });

  it("publishes for a pending chunk in the last quarter of its window, not for one outside it nor for an archived recording; again with the same id", async () => {
    const clock = { now: new Date() };
    const harness = harnessAt(clock);
    const now = clock.now;
    const [late, fresh, archived] = [uniqueName("late-call"), uniqueName("fresh-call"), uniqueName("done-call")];
    // 24 h window: 20 h old = 4 h left (at risk); 1 h old = 23 h left (not); the archived one is as late as the first.
    const [lateMessage] = await intake(harness, late, 20, ["late-doc-0"], now);
    await intake(harness, fresh, 1, ["fresh-doc-0"], now);
    const done = await intake(harness, archived, 20, ["done-doc-0"], now);
    const { context } = capturingContext();
    for (const message of done) expect((await harness.catalogJob.run(message, context)).status).toBe("archived");
    expect(await harness.container.getBlobClient(manifestName(chunkBlobNames(done[0]!).folder)).exists()).toBe(true);

    const { context: runContext, logs } = capturingContext("watchDeadlines");
    const result = await watchOf(harness, clock).run(runContext);
    expect(result).toMatchObject({ atRisk: 1, published: 1, unpublished: 0, truncated: false });
    const [event] = atRiskEvents(late);
    expect(event).toMatchObject({
      // The archiver's own identity for this chunk: its at-risk event and the watch's share one id.
      id: archiveEventId(ARCHIVE_EVENT_TYPES.chunkDeadlineAtRisk, lateMessage!.chunkKey),
      subject: `recordings/${late}/${lateMessage!.recordingStartTime}`,
      data: {
        chunkKey: lateMessage!.chunkKey,
        callId: late,
        recordingId: `${late}-rec`,
        index: 0,
        documentId: "late-doc-0",
        deadline: lateMessage!.deadline,
        hoursLeft: 4,
      },
    });
    expect(atRiskEvents(fresh)).toEqual([]);
    expect(atRiskEvents(archived)).toEqual([]);
    const warnings = logs.filter((log) => log.level === "warning");
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.message).toMatch(/1 chunk\(s\) not archived .* 1 .*ChunkDeadlineAtRisk event\(s\) published/);
    expect(warnings[0]?.message).not.toContain(late);

    // The next run publishes it again, with the same id (consumers drop the duplicate).
    clock.now = new Date(now.getTime() + HOUR / 4);
    expect(await watchOf(harness, clock).run(capturingContext().context)).toMatchObject({ atRisk: 1, published: 1 });
    const again = atRiskEvents(late);
    expect(again).toHaveLength(2);
    expect(new Set(again.map((item) => item["id"]))).toEqual(new Set([event!["id"]]));
  });

  it("a refused publish is logged and published by the next run with the same id", async () => {
    const clock = { now: new Date() };
    const harness = harnessAt(clock);
    const now = clock.now;
    const call = uniqueName("refused-risk");
    const [message] = await intake(harness, call, 22, ["refused-risk-doc"], now);
    receiver.refuseNext(1, 403);
    const { context, logs } = capturingContext();
    expect(await watchOf(harness, clock).run(context)).toMatchObject({ atRisk: 1, published: 0, unpublished: 1 });
    expect(logs.some((log) => log.level === "warning" && /next run publishes them again/.test(log.message))).toBe(true);
    expect(atRiskEvents(call)).toEqual([]);
    expect(await watchOf(harness, clock).run(capturingContext().context)).toMatchObject({ published: 1 });
    expect(atRiskEvents(call).map((event) => event["id"])).toEqual([archiveEventId(ARCHIVE_EVENT_TYPES.chunkDeadlineAtRisk, message!.chunkKey)]);
  });

  it("without an event sink still warns with the counts; a chunk past its deadline or a complete recording is not at risk", async () => {
    const clock = { now: new Date() };
    const harness = harnessAt(clock);
    const now = clock.now;
    await intake(harness, uniqueName("nosink"), 19, ["nosink-doc-0", "nosink-doc-1"], now);
    const { context, logs } = capturingContext();
    expect(await watchOf(harness, clock, NO_EVENTS).run(context)).toMatchObject({ recordings: 1, atRisk: 2, published: 0 });
    const warnings = logs.filter((log) => log.level === "warning");
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.message).toMatch(/2 chunk\(s\).*no event sink configured \(ARCHIVE_EVENTS_ENDPOINT\)/);
    // Five hours later the deadline has passed: the status reading says expired, not at risk.
    const { context: later, logs: laterLogs } = capturingContext();
    clock.now = new Date(now.getTime() + 5.5 * HOUR);
    expect(await watchOf(harness, clock, NO_EVENTS).run(later)).toMatchObject({ atRisk: 0 });
    expect(laterLogs.filter((log) => log.level === "warning")).toEqual([]);
  });

  it("lists at most maxRecordings recordings per run and says it was truncated", async () => {
    const clock = { now: new Date() };
    const harness = harnessAt(clock);
    const now = clock.now;
    for (const call of ["bound-a", "bound-b", "bound-c"]) await intake(harness, uniqueName(call), 21, [`${call}-doc`], now);
    const watch = new DeadlineWatch({
      container: harness.container,
      status: harness.status,
      events: NO_EVENTS,
      retentionHours: 24,
      now: () => clock.now,
      maxRecordings: 2,
    });
    const { context, logs } = capturingContext();
    expect(await watch.run(context)).toMatchObject({ recordings: 2, atRisk: 2, truncated: true });
    expect(logs.some((log) => log.level === "warning" && /truncated: true/.test(log.message))).toBe(true);
  });
});
