// Integration tier. Needs: Azurite.
import { BlobServiceClient, type ContainerClient } from "@azure/storage-blob";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { ExpectedRecords } from "../../src/catalog/expectedRecords";
import { IntakeCatalog } from "../../src/catalog/intakeCatalog";
import { QueuedChunks } from "../../src/catalog/queuedChunks";
import { RecordingIntake } from "../../src/intake/recordingIntake";
import { StorageRequestCounter } from "../../bench/storageRequestCounter";
import { intakeRig, RecordingLog } from "../support/intakeRig";
import { eventGridEvent, gaChunk, gaData } from "../support/recordingEvents";
import { uniqueName } from "../support/testSettings";

// What a redelivery of a delivery intake took in whole costs: per recording, its expected record (already there) and
// one listing of its queued records; its deadline markers were written before any of its chunks was sent, so they are
// not written again (a retry after a deadline cut must cost less than the first attempt, or it could never finish).

let counter: StorageRequestCounter;
let storage: string;
beforeAll(async () => {
  const azurite = inject("azuriteConnectionString");
  const blobPort = Number(/BlobEndpoint=http:\/\/127\.0\.0\.1:(\d+)\//.exec(azurite)?.[1]);
  counter = await StorageRequestCounter.start(blobPort);
  storage = azurite.replace(
    /BlobEndpoint=http:\/\/127\.0\.0\.1:\d+\//,
    `BlobEndpoint=http://127.0.0.1:${counter.port}/`,
  );
});
afterAll(async () => counter.close());

/** Intake as the app wires it (queued records, traces), its recordings container behind the counting proxy. */
function intakeWithCatalog(): {
  intake: RecordingIntake;
  recordings: ContainerClient;
  names: (prefix: string) => Promise<string[]>;
} {
  const rig = intakeRig(inject("azuriteConnectionString"));
  const recordings = BlobServiceClient.fromConnectionString(storage).getContainerClient(uniqueName("redelivery"));
  const intake = new RecordingIntake({
    chunkQueue: rig.chunkQueue,
    quarantine: rig.quarantine,
    policy: rig.config,
    catalog: new IntakeCatalog(new ExpectedRecords(recordings), new QueuedChunks(recordings)),
  });
  const names = async (prefix: string): Promise<string[]> => {
    const found: string[] = [];
    for await (const blob of recordings.listBlobsFlat({ prefix })) found.push(blob.name);
    return found;
  };
  return { intake, recordings, names };
}

describe("intake's round trips on a redelivery", () => {
  it("writes no deadline marker again for events taken in before, and queues nothing again", async () => {
    const { intake, names } = intakeWithCatalog();
    const events = Array.from({ length: 3 }, () => eventGridEvent({ data: gaData([gaChunk(0), gaChunk(1)]) }));
    const first = await intake.receive(events, "test", new RecordingLog());
    expect(first).toMatchObject({ enqueued: 6, alreadyQueued: 0 });
    const markers = (): Promise<string[]> => names("archive-deadlines/");
    const written = await markers();
    expect(written).toHaveLength(3);

    counter.take();
    const again = await intake.receive(events, "test", new RecordingLog());
    const requests = Object.fromEntries(counter.take());
    expect(again).toMatchObject({ enqueued: 0, alreadyQueued: 6 });
    // Per recording: its expected record (409: there already) and one listing of its queued records; plus the
    // container's erasure tombstones are not read here (no erasures configured).
    expect(requests).toEqual({ "Put Blob": 3, "List Blobs": 3 });
    expect(await markers()).toEqual(written);
  });

  it("writes the marker again when an event was not all taken in before (a deadline cut its sends short)", async () => {
    const { intake, recordings, names } = intakeWithCatalog();
    const events = Array.from({ length: 2 }, () => eventGridEvent({ data: gaData([gaChunk(0), gaChunk(1)]) }));
    await intake.receive(events, "test", new RecordingLog());
    // As if the first attempt had stopped before this recording's marker and its second chunk's queued record were
    // written (the expected record stands).
    const [marker, otherMarker] = await names("archive-deadlines/");
    const folder = `calls/${(marker as string)
      .split("/")
      .slice(2)
      .join("/")
      .replace(/\.json$/, "/")}`;
    const [record] = (await names(`archive-catalog/${folder.slice("calls/".length)}queued/`)).slice(-1);
    await recordings.deleteBlob(marker as string);
    await recordings.deleteBlob(record as string);

    const again = await intake.receive(events, "test", new RecordingLog());
    expect(again).toMatchObject({ enqueued: 1, alreadyQueued: 3 });
    expect((await names("archive-deadlines/")).sort()).toEqual([marker, otherMarker].sort());
  });
});
