// Integration tier. Needs: Azurite, loopback servers.
import { afterAll, describe, expect, inject, it } from "vitest";
import { MAX_SEPARATE_RECORDS } from "../../src/intake/rejectionKeeping";
import type { RejectedBatch } from "../../src/storage/quarantine";
import { azuriteProbes, intakeRig, RecordingLog, type IntakeRig } from "../support/intakeRig";
import { eventGridEvent, gaChunk, gaData } from "../support/recordingEvents";
import { blobNameFromKeptAt, listQuarantined, readQuarantined } from "../support/storageProbe";

const connectionString = inject("azuriteConnectionString");
const probes = azuriteProbes(connectionString);
const rigs: IntakeRig[] = [];

function rig(): IntakeRig {
  const made = intakeRig(connectionString);
  rigs.push(made);
  return made;
}

afterAll(async () => {
  for (const made of rigs) {
    await probes.queue(made.queue).deleteIfExists();
    await probes.container(made.container).deleteIfExists();
  }
});

const invalidEvent = (n: number): Record<string, unknown> =>
  eventGridEvent({ id: `evt-invalid-${n}`, data: gaData([gaChunk(0, { index: -1 })]) });

describe("quarantine: bounded, content-named, aggregated", () => {
  it(`keeps up to ${MAX_SEPARATE_RECORDS} rejected events as one record each, logged in ONE line`, async () => {
    const r = rig();
    const log = new RecordingLog();
    const report = await r.intake.receive(
      Array.from({ length: MAX_SEPARATE_RECORDS }, (_, n) => invalidEvent(n)),
      "test",
      log,
    );
    expect(report.rejectedCount).toBe(MAX_SEPARATE_RECORDS);
    expect(new Set(report.rejected.map((rejected) => rejected.keptAt)).size).toBe(MAX_SEPARATE_RECORDS);
    const blobs = await listQuarantined(probes.container(r.container));
    expect(blobs.map((blob) => blob.name).sort()).toEqual(
      report.rejected.map((rejected) => blobNameFromKeptAt(r.container, rejected.keptAt)).sort(),
    );
    expect(blobs.every((blob) => /^events\/evt-invalid-\d+-[0-9a-f]{32}\.json$/.test(blob.name))).toBe(true);
    expect(log.at("error")).toHaveLength(1);
    expect(log.at("error")[0]).toMatch(
      /^Rejected 16 of 16 events \(InvalidEvent ×16\); first: #0 evt-invalid-0: data\.recordingStorageInfo\.recordingChunks\[0\]\.index .*; … 11 more\. Kept at /,
    );
  });

  it(`keeps more than ${MAX_SEPARATE_RECORDS} rejected elements as ONE record, each findable by position, and still enqueues the valid events among them`, async () => {
    const r = rig();
    const valid = [eventGridEvent(), eventGridEvent({ data: gaData([gaChunk(0), gaChunk(1)]) }), eventGridEvent()];
    // 4,997 elements: just under INTAKE_MAX_EVENTS_PER_DELIVERY's default (5,000), above which the delivery is refused whole.
    // (Every fourth is an invalid recording event with one chunk entry: 1,249 entries, under INTAKE_MAX_CHUNKS_PER_DELIVERY.)
    const delivery: unknown[] = [...Array.from({ length: 4_994 }, (_, n) => (n % 4 === 1 ? invalidEvent(n) : n))];
    const validPositions = [0, 2_500, 4_996];
    validPositions.forEach((position, n) => delivery.splice(position, 0, valid[n]));
    const log = new RecordingLog();

    const report = await r.intake.receive(delivery, "test", log);

    expect(report).toMatchObject({ received: 4_997, accepted: 3, enqueued: 4, rejectedCount: 4_994 });
    expect(report.rejected).toHaveLength(MAX_SEPARATE_RECORDS);
    expect((await probes.messages(r.queue)).map((message) => message.eventId).sort()).toEqual(
      [valid[0], valid[1], valid[1], valid[2]].map((event) => String(event?.["id"])).sort(),
    );
    const blobs = await listQuarantined(probes.container(r.container));
    expect(blobs).toHaveLength(1);
    expect(blobs[0]?.name).toMatch(/^deliveries\/[0-9a-f]{32}\.json$/);
    const record = blobs[0]?.json as unknown as RejectedBatch;
    expect(record.reason.code).toBe("RejectedEvents");
    const rejectedPositions = delivery.flatMap((_, position) => (validPositions.includes(position) ? [] : [position]));
    expect(record.rejections.map((rejection) => rejection.position)).toEqual(rejectedPositions);
    record.rejections.forEach((rejection, i) => {
      expect(record.input[i]).toEqual(delivery[rejection.position]);
      expect(rejection.reason.code).toBe("InvalidEvent");
    });
    expect(record.rejections.find((rejection) => rejection.eventId === "evt-invalid-1")?.reason.field).toBe(
      "data.recordingStorageInfo.recordingChunks[0].index",
    );
    expect(log.at("error")).toHaveLength(1);
  });

  it("names a record by its content only: a redelivered rejected event lands on the same blob, and an identical blob counts as kept", async () => {
    const r = rig();
    const event = invalidEvent(7);
    const first = await r.intake.receive([event], "test", new RecordingLog());
    const container = probes.container(r.container);
    const name = blobNameFromKeptAt(r.container, first.rejected[0]?.keptAt ?? "");
    const original = await container.getBlobClient(name).getProperties();
    const again = await r.intake.receive([structuredClone(event)], "test", new RecordingLog());
    expect(again.rejected[0]?.keptAt).toBe(first.rejected[0]?.keptAt);
    expect(await listQuarantined(container)).toHaveLength(1);
    // Not overwritten: the first record (and its rejectedAt) stands.
    expect((await container.getBlobClient(name).getProperties()).etag).toBe(original.etag);
    expect((await readQuarantined(container, name)).json.input).toEqual(event);
  });

  it("keeps different content apart: the same event id with another body gets its own record", async () => {
    const r = rig();
    const report = await r.intake.receive(
      [invalidEvent(9), eventGridEvent({ id: "evt-invalid-9", data: gaData([]) })],
      "test",
      new RecordingLog(),
    );
    expect(new Set(report.rejected.map((rejected) => rejected.keptAt)).size).toBe(2);
    expect(await listQuarantined(probes.container(r.container))).toHaveLength(2);
  });
});
