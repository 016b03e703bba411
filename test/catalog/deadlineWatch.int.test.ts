// Integration tier. Needs: Azurite, the ACS simulator, loopback servers.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { chunkBlobNames, manifestName } from "../../src/layout/blobLayout";
import { archiveEventId, ARCHIVE_EVENT_TYPES, type ArchiveEvent } from "../../src/catalog/archiveEvents";
import { readJsonBlob } from "../../src/catalog/boundedReads";
import { deadlineHour, deadlineMarkerName } from "../../src/catalog/deadlineMarkers";
import type { CallStatusReader } from "../../src/catalog/callStatus";
import { DeadlineWatch } from "../../src/catalog/deadlineWatch";
import { eventSinkFor, NO_EVENTS, type ArchiveEventSink } from "../../src/catalog/eventPublisher";
import { archiveEventsSetting } from "../../src/config/archiveEventsSettings";
import type { ChunkMessage } from "../../src/queue/chunkMessage";
import { mapConcurrent } from "../../src/shared/mapConcurrent";
import { startAcsSimulator, type AcsSimulator } from "../../tools/acsSimulator";
import { startEventReceiver, type EventReceiver } from "../../tools/eventReceiver";
import { catalogHarness, type CatalogHarness } from "../support/catalogHarness";
import { capturingContext, uniqueName } from "../support/testSettings";

// The deadline watch over Azurite: intake's records and markers, the archiver's blobs, the status reading, and
// RecordingDeadlineAtRisk through EventGridPublisherClient to a loopback topic. The watch's clock is injected.

const HOUR = 3_600_000;
let sim: AcsSimulator;
let receiver: EventReceiver;
beforeAll(async () => {
  [sim, receiver] = await Promise.all([startAcsSimulator(), startEventReceiver()]);
});
afterAll(async () => Promise.all([sim.close(), receiver.close()]));

function atRiskEvents(callId: string): Record<string, unknown>[] {
  return receiver.events.filter(
    (event) =>
      event["eventType"] === ARCHIVE_EVENT_TYPES.recordingDeadlineAtRisk &&
      String(event["subject"]).startsWith(`recordings/${callId}/`),
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
  events = eventSinkFor(
    archiveEventsSetting({ ARCHIVE_EVENTS_ENDPOINT: receiver.endpoint, ARCHIVE_EVENTS_KEY: receiver.key }),
  ),
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
async function intake(
  harness: CatalogHarness,
  callId: string,
  hoursAgo: number,
  documents: string[],
  now: Date,
): Promise<ChunkMessage[]> {
  const messages = harness.messagesFor({
    callId,
    recordingId: `${callId}-rec`,
    eventTime: new Date(now.getTime() - hoursAgo * HOUR).toISOString(),
    chunks: documents.map((documentId) => ({ documentId, size: 2_000 })),
  });
  expect((await harness.expected.write(messages)).recordings).toBe(1);
  return messages;
}

/** The id the watch gives a recording's event: the recording and the set of its chunks at risk. */
function riskId(messages: readonly ChunkMessage[]): string {
  const folder = chunkBlobNames(messages[0]!).folder;
  return archiveEventId(
    ARCHIVE_EVENT_TYPES.recordingDeadlineAtRisk,
    `${folder}\n${messages
      .map((message) => message.chunkKey)
      .sort()
      .join("\n")}`,
  );
}

describe("the deadline watch (RecordingDeadlineAtRisk for chunks never archived)", () => {
  it("intake writes one write-once deadline marker per recording, in its deadline hour, outside calls/", async () => {
    const clock = { now: new Date() };
    const harness = harnessAt(clock);
    const now = clock.now;
    const messages = await intake(harness, uniqueName("marker-call"), 1, ["mk-doc-0", "mk-doc-1"], now);
    const folder = chunkBlobNames(messages[0]!).folder;
    const name = deadlineMarkerName(deadlineHour(messages[0]!.deadline)!, folder);
    expect(name).toMatch(/^archive-deadlines\/\d{8}T\d{2}\//);
    expect(await readJsonBlob(harness.container, name, 4096)).toEqual({
      schemaVersion: 1,
      recordingFolder: folder,
      deadline: messages[0]!.deadline,
    });
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
    const lateMessages = await intake(harness, late, 20, ["late-doc-0"], now);
    const lateMessage = lateMessages[0];
    await intake(harness, fresh, 1, ["fresh-doc-0"], now);
    const done = await intake(harness, archived, 20, ["done-doc-0"], now);
    const { context } = capturingContext();
    for (const message of done) expect((await harness.catalogJob.run(message, context)).status).toBe("archived");
    expect(await harness.container.getBlobClient(manifestName(chunkBlobNames(done[0]!).folder)).exists()).toBe(true);

    const { context: runContext, logs } = capturingContext("watchDeadlines");
    const result = await watchOf(harness, clock).run(runContext);
    expect(result).toMatchObject({ atRisk: 1, atRiskRecordings: 1, published: 1, unpublished: 0, truncated: false });
    const [event] = atRiskEvents(late);
    expect(event).toMatchObject({
      id: riskId(lateMessages),
      subject: `recordings/${late}/${lateMessage!.recordingStartTime}`,
      data: {
        callId: late,
        recordingId: `${late}-rec`,
        atRiskCount: 1,
        earliestDeadline: lateMessage!.deadline,
        hoursLeft: 4,
        chunks: [
          {
            chunkKey: lateMessage!.chunkKey,
            index: 0,
            documentId: "late-doc-0",
            deadline: lateMessage!.deadline,
            hoursLeft: 4,
          },
        ],
        chunksOmitted: 0,
      },
    });
    expect(atRiskEvents(fresh)).toEqual([]);
    expect(atRiskEvents(archived)).toEqual([]);
    const warnings = logs.filter((log) => log.level === "warning");
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.message).toMatch(
      /1 chunk\(s\) not archived .* 1 .*RecordingDeadlineAtRisk event\(s\) published/,
    );
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
    const messages = await intake(harness, call, 22, ["refused-risk-doc"], now);
    receiver.refuseNext(1, 403);
    const { context, logs } = capturingContext();
    expect(await watchOf(harness, clock).run(context)).toMatchObject({ atRisk: 1, published: 0, unpublished: 1 });
    expect(logs.some((log) => log.level === "warning" && /next run publishes them again/.test(log.message))).toBe(true);
    expect(atRiskEvents(call)).toEqual([]);
    expect(await watchOf(harness, clock).run(capturingContext().context)).toMatchObject({ published: 1 });
    expect(atRiskEvents(call).map((event) => event["id"])).toEqual([riskId(messages)]);
  });

  it("without an event sink still warns with the counts; a chunk past its deadline or a complete recording is not at risk", async () => {
    const clock = { now: new Date() };
    const harness = harnessAt(clock);
    const now = clock.now;
    await intake(harness, uniqueName("nosink"), 19, ["nosink-doc-0", "nosink-doc-1"], now);
    const { context, logs } = capturingContext();
    expect(await watchOf(harness, clock, NO_EVENTS).run(context)).toMatchObject({
      recordings: 1,
      atRisk: 2,
      published: 0,
    });
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
    for (const call of ["bound-a", "bound-b", "bound-c"])
      await intake(harness, uniqueName(call), 21, [`${call}-doc`], now);
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

  it("coalesces a recording's chunks into one event, and stays bounded under many forged recordings (counted, not timed)", async () => {
    const clock = { now: new Date() };
    const harness = harnessAt(clock);
    const now = clock.now;
    // 300 forged recordings of 4 chunks each, all never archived and at risk: 1,200 chunks (the old watch read every
    // recording at once and published one event per chunk).
    const RECORDINGS = 300;
    const CHUNKS = 4;
    await mapConcurrent(
      Array.from({ length: RECORDINGS }, (_, i) => i),
      16,
      async (i) => {
        const call = `forged-${i}-${uniqueName("flood")}`;
        await intake(
          harness,
          call,
          20,
          Array.from({ length: CHUNKS }, (_, c) => `${call}-doc-${c}`),
          now,
        );
      },
    );
    // What the watch holds and sends, counted: readings in flight, events per publish, when publishes happen.
    let inFlight = 0;
    let peakInFlight = 0;
    let readings = 0;
    const readingsAtPublish: number[] = [];
    const batches: { count: number; bytes: number; chunks: number[] }[] = [];
    const status = {
      readRecording: async (folder: string, options?: { lean?: boolean }) => {
        inFlight++;
        readings++;
        peakInFlight = Math.max(peakInFlight, inFlight);
        try {
          expect(options).toEqual({ lean: true });
          return await harness.status.readRecording(folder, options);
        } finally {
          inFlight--;
        }
      },
    } as unknown as CallStatusReader;
    const events: ArchiveEventSink = {
      enabled: true,
      publish: async (batch) => {
        readingsAtPublish.push(readings);
        batches.push({
          count: batch.length,
          bytes: Buffer.byteLength(JSON.stringify(batch)),
          chunks: batch.map((event) => (event.data as { atRiskCount: number }).atRiskCount),
        });
        return Promise.resolve();
      },
    };
    const watch = (bounds: { maxRecordings?: number; maxChunks?: number; maxEvents?: number }): DeadlineWatch =>
      new DeadlineWatch({
        container: harness.container,
        status,
        events,
        retentionHours: 24,
        now: () => clock.now,
        ...bounds,
      });

    // Events bound: 250 recordings at risk reported, in publishes of at most 100 events, sent while reading goes on.
    const byEvents = await watch({ maxEvents: 250 }).run(capturingContext().context);
    expect(byEvents).toMatchObject({
      atRiskRecordings: 250,
      atRisk: 250 * CHUNKS,
      published: 250,
      unpublished: 0,
      truncated: true,
    });
    expect(batches.map((batch) => batch.count)).toEqual([100, 100, 50]);
    expect(batches.every((batch) => batch.bytes <= 512 * 1024)).toBe(true);
    expect(batches.flatMap((batch) => batch.chunks).every((count) => count === CHUNKS)).toBe(true);
    expect(readingsAtPublish[0]).toBeLessThan(byEvents.recordings);
    expect(peakInFlight).toBeLessThanOrEqual(4);
    expect(byEvents.recordings).toBeLessThanOrEqual(250 + 16);

    // Chunks bound: stops reading once 200 expected chunks were examined (at most one batch of 16 recordings over).
    batches.length = 0;
    readings = 0;
    const byChunks = await watch({ maxChunks: 200 }).run(capturingContext().context);
    expect(byChunks.truncated).toBe(true);
    expect(byChunks.chunks).toBeGreaterThanOrEqual(200);
    expect(byChunks.chunks).toBeLessThanOrEqual(200 + 16 * CHUNKS);
    expect(byChunks.recordings).toBe(readings);
    expect(batches.reduce((sum, batch) => sum + batch.count, 0)).toBe(byChunks.atRiskRecordings);

    // Recordings bound: exactly that many read.
    readings = 0;
    const byRecordings = await watch({ maxRecordings: 40 }).run(capturingContext().context);
    expect(byRecordings).toMatchObject({ recordings: 40, atRiskRecordings: 40, truncated: true });
    expect(readings).toBe(40);

    // Without bounds in the way, every recording once, one event each, and not truncated.
    readings = 0;
    batches.length = 0;
    const all = await watch({}).run(capturingContext().context);
    expect(all).toMatchObject({
      recordings: RECORDINGS,
      atRiskRecordings: RECORDINGS,
      atRisk: RECORDINGS * CHUNKS,
      published: RECORDINGS,
      truncated: false,
    });
    expect(readings).toBe(RECORDINGS);
    expect(Math.max(...batches.map((batch) => batch.count))).toBeLessThanOrEqual(100);
    expect(peakInFlight).toBeLessThanOrEqual(4);
  });

  it("lists at most 200 chunks in one event and says how many it left out (the event stays small)", async () => {
    const clock = { now: new Date() };
    const harness = harnessAt(clock);
    const call = uniqueName("many-chunks");
    const messages = await intake(
      harness,
      call,
      20,
      Array.from({ length: 260 }, (_, c) => `${call}-doc-${c}`),
      clock.now,
    );
    const sent: ArchiveEvent[] = [];
    const events: ArchiveEventSink = { enabled: true, publish: (batch) => Promise.resolve(void sent.push(...batch)) };
    const result = await new DeadlineWatch({
      container: harness.container,
      status: harness.status,
      events,
      retentionHours: 24,
      now: () => clock.now,
    }).run(capturingContext().context);
    expect(result).toMatchObject({ atRisk: 260, atRiskRecordings: 1, published: 1 });
    const data = sent[0]?.data as { atRiskCount: number; chunks: unknown[]; chunksOmitted: number };
    expect(data.atRiskCount).toBe(260);
    expect(data.chunks).toHaveLength(200);
    expect(data.chunksOmitted).toBe(60);
    expect(sent[0]?.id).toBe(riskId(messages));
    expect(Buffer.byteLength(JSON.stringify(sent[0]))).toBeLessThan(100 * 1024);
  });
});
