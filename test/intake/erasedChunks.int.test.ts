// Integration tier. Needs: Azurite, loopback servers.
import { BlobServiceClient } from "@azure/storage-blob";
import { afterAll, describe, expect, inject, it } from "vitest";
import { chunkBlobNames } from "../../src/layout/blobLayout";
import { expectedRecordName } from "../../src/layout/catalogLayout";
import { ErasureTombstones } from "../../src/catalog/erasureTombstones";
import { ExpectedRecords } from "../../src/catalog/expectedRecords";
import { IntakeCatalog } from "../../src/catalog/intakeCatalog";
import { QueuedChunks } from "../../src/catalog/queuedChunks";
import type { ChunkMessage } from "../../src/queue/chunkMessage";
import { readEnvelope } from "../../src/events/eventEnvelope";
import { chunkMessagesFromEvent } from "../../src/events/recordingEvent";
import { RecordingIntake } from "../../src/intake/recordingIntake";
import { mapConcurrent } from "../../src/shared/mapConcurrent";
import { azuriteProbes, intakeRig, RecordingLog } from "../support/intakeRig";
import { eventGridEvent, gaChunk, gaData, type Json } from "../support/recordingEvents";
import { uniqueName } from "../support/testSettings";

const connectionString = inject("azuriteConnectionString");
const probes = azuriteProbes(connectionString);
const blobs = BlobServiceClient.fromConnectionString(connectionString);

/** The intake core as createServices builds it (catalog, queued records, tombstones), on its own queue and container. */
async function erasingRig() {
  const base = intakeRig(connectionString);
  const recordings = blobs.getContainerClient(uniqueName("erased-intake"));
  await recordings.create();
  const tombstones = new ErasureTombstones(recordings);
  const intake = new RecordingIntake({
    chunkQueue: base.chunkQueue,
    quarantine: base.quarantine,
    policy: base.config,
    catalog: new IntakeCatalog(new ExpectedRecords(recordings), new QueuedChunks(recordings)),
    erasures: tombstones,
  });
  return { ...base, intake, recordings, tombstones };
}

function messagesOf(event: Json, rig: Awaited<ReturnType<typeof erasingRig>>): ChunkMessage[] {
  const envelope = readEnvelope(event);
  if (!envelope) throw new Error("not an event");
  return chunkMessagesFromEvent(envelope, rig.config);
}

const erase = (rig: Awaited<ReturnType<typeof erasingRig>>, message: ChunkMessage) =>
  rig.tombstones.record({
    recordingFolder: chunkBlobNames(message).folder,
    documentId: message.documentId,
    erasedAt: new Date().toISOString(),
    receipt: "r",
  });

/**
 * A delivery of three recordings: A untouched, B with one of its two chunks erased, C erased whole. Whichever way the
 * tombstones are read (one listing of the container while there are few, a listing per recording otherwise), the
 * erased chunks are neither queued nor expected again, and the others are.
 */
describe.each([
  ["few tombstones: one listing of the container answers for every recording", 0],
  ["more tombstones than one listing holds: a listing per recording", 501],
])("intake skips erased chunks in a delivery of several recordings (%s)", (_title, unrelated) => {
  const rigs: Awaited<ReturnType<typeof erasingRig>>[] = [];
  afterAll(async () => {
    for (const rig of rigs) {
      await probes.queue(rig.queue).deleteIfExists();
      await rig.recordings.deleteIfExists();
    }
  });

  it("queues the chunks not erased, skips the erased ones, and writes no expected record for a recording erased whole", async () => {
    const rig = await erasingRig();
    rigs.push(rig);
    const [a, b, c] = [
      eventGridEvent({ data: gaData([gaChunk(0), gaChunk(1)]) }),
      eventGridEvent({ data: gaData([gaChunk(0), gaChunk(1)]) }),
      eventGridEvent({ data: gaData([gaChunk(0)]) }),
    ] as const;
    const [, bErased] = messagesOf(b, rig);
    const [cErased] = messagesOf(c, rig);
    if (!bErased || !cErased) throw new Error("events without chunks");
    // Tombstones of other recordings, as years of erasures leave them.
    const others = Array.from(
      { length: unrelated },
      (_, i) => messagesOf(eventGridEvent({ data: gaData([gaChunk(i)]) }), rig)[0] as ChunkMessage,
    );
    const written = await mapConcurrent([bErased, cErased, ...others], 32, (message) => erase(rig, message));
    expect(written.every((result) => result.status === "fulfilled")).toBe(true);

    const log = new RecordingLog();
    const report = await rig.intake.receive([a, b, c], "test", log);

    expect([report.accepted, report.enqueued, report.skippedErased, report.alreadyQueued]).toEqual([3, 3, 2, 0]);
    const queued = await probes.messages(rig.queue);
    expect(queued.map((message) => message.documentId).sort()).toEqual(
      [...messagesOf(a, rig), ...messagesOf(b, rig)]
        .map((message) => message.documentId)
        .filter((id) => id !== bErased.documentId)
        .sort(),
    );
    expect(await rig.recordings.getBlobClient(expectedRecordName(chunkBlobNames(cErased).folder)).exists()).toBe(false);
    expect(await rig.recordings.getBlobClient(expectedRecordName(chunkBlobNames(bErased).folder)).exists()).toBe(true);
    expect(
      log.at("info").some((line) => line.startsWith("Skipped 2 chunk(s) that a data-subject erasure removed")),
    ).toBe(true);
  }, 120_000);
});
