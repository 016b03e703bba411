import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { chunkBlobNames, manifestName } from "../../src/archive/blobLayout";
import { recordingSubject } from "../../src/catalog/archiveEvents";
import { readManifest, type RecordingManifest } from "../../src/catalog/recordingManifest";
import { recordingInfoOf } from "../../src/catalog/recordingInfo";
import type { ChunkMessage } from "../../src/events/chunkMessage";
import { startAcsSimulator, type AcsSimulator } from "../../tools/acsSimulator";
import { StorageRequestCounter } from "../../bench/storageRequestCounter";
import { catalogHarness, type CatalogHarness } from "../support/catalogHarness";
import { capturingContext } from "../support/testSettings";

const MIB = 1024 * 1024;

let sim: AcsSimulator;
let counter: StorageRequestCounter;
let storage: string;
beforeAll(async () => {
  sim = await startAcsSimulator();
  const azurite = inject("azuriteConnectionString");
  const blobPort = Number(/BlobEndpoint=http:\/\/127\.0\.0\.1:(\d+)\//.exec(azurite)?.[1]);
  counter = await StorageRequestCounter.start(blobPort);
  // Blob requests go through the counting proxy; everything else goes straight to Azurite.
  storage = azurite.replace(/BlobEndpoint=http:\/\/127\.0\.0\.1:\d+\//, `BlobEndpoint=http://127.0.0.1:${counter.port}/`);
});
afterAll(async () => {
  await counter.close();
  await sim.close();
});

/** A harness whose archive container exists and whose archiver has made its one-time container check. */
async function warmHarness(): Promise<CatalogHarness> {
  const harness = catalogHarness(sim, storage, { blockSize: 8 * MIB });
  const [warmUp] = harness.messagesFor({ callId: `warm-${Date.now()}`, chunks: [{ documentId: `warm-${Date.now()}`, size: 10 }] });
  await harness.catalogJob.run(warmUp, capturingContext().context, { dequeueCount: 1 });
  return harness;
}

/** The Storage requests (by operation) and ACS requests one delivery of `message` makes. */
async function roundTrips(harness: CatalogHarness, message: ChunkMessage): Promise<{ storage: Record<string, number>; acs: number; status: string }> {
  counter.take();
  const acsBefore = sim.requests.length;
  const result = await harness.catalogJob.run(message, capturingContext().context, { dequeueCount: 1, maxDequeueCount: 5 });
  return { storage: Object.fromEntries(counter.take()), acs: sim.requests.length - acsBefore, status: result.status };
}

describe("what one chunk costs in round trips (first delivery, intake's record written)", () => {
  it("a one-chunk recording: one look at the archive, two ACS GETs side by side; media, metadata and manifest written once each, one read of intake's record, nothing listed", async () => {
    const harness = await warmHarness();
    const message = harness.messagesFor({ callId: "trips-single", chunks: [{ documentId: "trips-single-doc", size: MIB }] })[0]!;
    await harness.expected.write([message]);
    const trips = await roundTrips(harness, message);
    expect(trips).toEqual({ status: "archived", acs: 2, storage: { "Get Blob Properties (HEAD)": 1, "Put Blob": 3, "Get Blob (read)": 1 } });

    // The manifest written from memory says exactly what the folder listing says.
    const folder = chunkBlobNames(message).folder;
    const fast = (await readManifest(harness.container, manifestName(folder))) as RecordingManifest;
    expect(fast.chunks).toHaveLength(1);
    expect(fast.participantIds.length).toBeGreaterThan(0);
    await harness.container.getBlobClient(manifestName(folder)).delete();
    const listed = await harness.catalog.completeRecording(folder, recordingInfoOf(message), recordingSubject(message), capturingContext().context);
    expect(listed.status).toBe("written");
    const { completedAt: _a, ...fromMemory } = fast;
    const { completedAt: _b, ...fromListing } = (await readManifest(harness.container, manifestName(folder))) as RecordingManifest;
    expect(fromMemory).toEqual(fromListing);
  });

  it("a chunk of a longer recording lists nothing while another chunk is missing; the last one lists once and writes the manifest", async () => {
    const harness = await warmHarness();
    const messages = harness.messagesFor({
      callId: "trips-multi",
      chunks: [0, 1, 2].map((index) => ({ documentId: `trips-multi-${index}`, size: 300_000 })),
    });
    await harness.expected.write(messages);
    const first = await roundTrips(harness, messages[0]!);
    // Its own media looked up, then one other chunk's metadata: missing, so nothing is listed.
    expect(first.storage).toEqual({ "Put Blob": 2, "Get Blob (read)": 1, "Get Blob Properties (HEAD)": 2 });
    // Intake's record is read once per recording (it never changes), not once per chunk.
    const second = await roundTrips(harness, messages[2]!);
    expect(second.storage).toEqual({ "Put Blob": 2, "Get Blob Properties (HEAD)": 2 });
    const last = await roundTrips(harness, messages[1]!);
    expect(last.storage["List Blobs"]).toBe(1);
    expect(last.storage["Put Blob"]).toBe(3); // media, metadata, manifest
    const manifest = (await readManifest(harness.container, manifestName(chunkBlobNames(messages[0]!).folder))) as RecordingManifest;
    expect(manifest.chunks.map((chunk) => chunk.documentId)).toEqual(["trips-multi-0", "trips-multi-1", "trips-multi-2"]);
  });
});
