// Integration tier. Needs: Azurite, the ACS simulator.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { chunkBlobNames, manifestName } from "../../src/layout/blobLayout";
import { recordingSubject } from "../../src/catalog/archiveEvents";
import { ErasureTombstones } from "../../src/catalog/erasureTombstones";
import { readManifest, type RecordingManifest } from "../../src/catalog/recordingManifest";
import { recordingInfoOf } from "../../src/catalog/recordingInfo";
import type { ChunkMessage } from "../../src/queue/chunkMessage";
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
  storage = azurite.replace(
    /BlobEndpoint=http:\/\/127\.0\.0\.1:\d+\//,
    `BlobEndpoint=http://127.0.0.1:${counter.port}/`,
  );
});
afterAll(async () => {
  await counter.close();
  await sim.close();
});

/** A harness whose archive container exists and whose archiver has made its one-time container check. */
async function warmHarness(options: { participantIndexKey?: string } = {}): Promise<CatalogHarness> {
  const harness = catalogHarness(sim, storage, { blockSize: 8 * MIB, ...options });
  const [warmUp] = harness.messagesFor({
    callId: `warm-${Date.now()}`,
    chunks: [{ documentId: `warm-${Date.now()}`, size: 10 }],
  });
  await harness.catalogJob.run(warmUp, capturingContext().context, { dequeueCount: 1 });
  return harness;
}

/** The Storage requests (by operation) and ACS requests one delivery of `message` makes. */
async function roundTrips(
  harness: CatalogHarness,
  message: ChunkMessage,
): Promise<{ storage: Record<string, number>; acs: number; status: string }> {
  counter.take();
  const acsBefore = sim.requests.length;
  const result = await harness.catalogJob.run(message, capturingContext().context, {
    dequeueCount: 1,
    maxDequeueCount: 5,
  });
  return { storage: Object.fromEntries(counter.take()), acs: sim.requests.length - acsBefore, status: result.status };
}

describe("what one chunk costs in round trips (first delivery, intake's record written)", () => {
  it("a one-chunk recording: two ACS GETs side by side; the archive and the erasure tombstones looked at side by side; media, metadata and manifest written once each; intake's record read; only the later-event traces listed", async () => {
    const harness = await warmHarness();
    const message = harness.messagesFor({
      callId: "trips-single",
      chunks: [{ documentId: "trips-single-doc", size: MIB }],
    })[0]!;
    await harness.expected.write([message]);
    const trips = await roundTrips(harness, message);
    expect(trips).toEqual({
      status: "archived",
      acs: 2, // GET metadata, GET media (one range), side by side
      storage: {
        // Side by side before any download: the media blob ("archived already?") and the folder's erasure tombstone.
        "Get Blob Properties (HEAD)": 2,
        // The document-wide erasure tombstone (beside the two HEADs), and intake's record (read as the download starts).
        "Get Blob (read)": 2,
        // The recording's later-event traces: none, so the manifest is built from memory (no listing of the folder).
        "List Blobs": 1,
        // Media (whole, one request), metadata, manifest.
        "Put Blob": 3,
      },
    });

    // The manifest written from memory says exactly what the folder listing says, intake's mark included.
    const folder = chunkBlobNames(message).folder;
    const fast = (await readManifest(harness.container, manifestName(folder))) as RecordingManifest;
    expect(fast.chunks).toHaveLength(1);
    expect(fast.chunks[0]?.intakeTrace).toBe("announced");
    expect(fast.participantIds.length).toBeGreaterThan(0);
    await harness.container.getBlobClient(manifestName(folder)).delete();
    const listed = await harness.catalog.completeRecording(
      folder,
      recordingInfoOf(message),
      recordingSubject(message),
      capturingContext().context,
    );
    expect(listed.status).toBe("written");
    const { completedAt: _a, ...fromMemory } = fast;
    const { completedAt: _b, ...fromListing } = (await readManifest(
      harness.container,
      manifestName(folder),
    )) as RecordingManifest;
    expect(fromMemory).toEqual(fromListing);
  });

  it("with the participant index on: one more write per participant, nothing read (the metadata bytes just committed are indexed)", async () => {
    // The warm-up chunk records the key's fingerprint; a process trusts it for minutes.
    const harness = await warmHarness({ participantIndexKey: randomBytes(32).toString("base64") });
    sim.addDocument("trips-indexed-doc", {
      size: MIB,
      metadata: {
        chunkDocumentId: "trips-indexed-doc",
        participants: [{ participantId: "8:acs:one" }, { participantId: "8:acs:two" }],
      },
    });
    const message = harness.messagesFor({
      callId: "trips-indexed",
      chunks: [{ documentId: "trips-indexed-doc", size: MIB }],
    })[0]!;
    await harness.expected.write([message]);
    const trips = await roundTrips(harness, message);
    expect(trips).toEqual({
      status: "archived",
      acs: 2,
      // As without the index, plus one index entry per participant (two).
      storage: { "Get Blob Properties (HEAD)": 2, "Get Blob (read)": 2, "List Blobs": 1, "Put Blob": 5 },
    });
  });

  it("a chunk of a longer recording lists nothing while another chunk is missing; the last one lists once and writes the manifest", async () => {
    const harness = await warmHarness();
    const messages = harness.messagesFor({
      callId: "trips-multi",
      chunks: [0, 1, 2].map((index) => ({ documentId: `trips-multi-${index}`, size: 300_000 })),
    });
    await harness.expected.write(messages);
    const first = await roundTrips(harness, messages[0]!);
    // Its own media and erasure tombstones (HEAD, HEAD, read), intake's record (read); then one other chunk's metadata
    // (HEAD): missing, and not erased (its folder tombstone, HEAD), so nothing is listed. Media and metadata written.
    expect(first.storage).toEqual({ "Put Blob": 2, "Get Blob (read)": 2, "Get Blob Properties (HEAD)": 4 });
    // Intake's record is read once per recording (it never changes), not once per chunk.
    const second = await roundTrips(harness, messages[2]!);
    expect(second.storage).toEqual({ "Put Blob": 2, "Get Blob (read)": 1, "Get Blob Properties (HEAD)": 4 });
    const last = await roundTrips(harness, messages[1]!);
    // The recording's tombstones, its folder, its later-event traces and intake's queued records (the anomalies the
    // manifest carries): one listing each, once per recording.
    expect(last.storage["List Blobs"]).toBe(4);
    expect(last.storage["Put Blob"]).toBe(3); // media, metadata, manifest
    const manifest = (await readManifest(
      harness.container,
      manifestName(chunkBlobNames(messages[0]!).folder),
    )) as RecordingManifest;
    expect(manifest.chunks.map((chunk) => chunk.documentId)).toEqual([
      "trips-multi-0",
      "trips-multi-1",
      "trips-multi-2",
    ]);
  });

  it("a chunk missing because an erasure removed it is not waited for: the recording completes without it, named in erasedChunks", async () => {
    const harness = await warmHarness();
    const messages = harness.messagesFor({
      callId: "trips-erased",
      chunks: [0, 1, 2].map((index) => ({ documentId: `trips-erased-${index}`, size: 300_000 })),
    });
    await harness.expected.write(messages);
    const folder = chunkBlobNames(messages[0]!).folder;
    // The newest chunk was erased before it was ever archived here (say, under another folder: document-wide too).
    await new ErasureTombstones(harness.container).record({
      recordingFolder: folder,
      documentId: "trips-erased-2",
      erasedAt: new Date().toISOString(),
      receipt: "r",
    });
    const first = await roundTrips(harness, messages[0]!);
    // Chunk 2 missing but erased (HEAD, HEAD), chunk 1 missing and not erased (HEAD, HEAD): no listing yet.
    expect(first.storage["List Blobs"]).toBeUndefined();
    expect(await readManifest(harness.container, manifestName(folder))).toBeUndefined();
    const last = await harness.catalogJob.run(messages[1]!, capturingContext().context, {
      dequeueCount: 1,
      maxDequeueCount: 5,
    });
    expect(last.status).toBe("archived");
    const manifest = (await readManifest(harness.container, manifestName(folder))) as RecordingManifest;
    expect(manifest.chunks.map((chunk) => chunk.documentId)).toEqual(["trips-erased-0", "trips-erased-1"]);
    expect(manifest.erasedChunks).toEqual([{ index: 2, documentId: "trips-erased-2" }]);
    // Its own message, delivered again, is refused by its tombstone: nothing archived.
    expect((await harness.catalogJob.run(messages[2]!, capturingContext().context, { dequeueCount: 1 })).status).toBe(
      "erased",
    );
  });

  it("a one-chunk recording whose folder a later event joined: its manifest comes from the listing and lists the later chunk, marked", async () => {
    const harness = await warmHarness();
    const same = {
      callId: "trips-joined",
      recordingId: "trips-joined-rec",
      recordingStartTime: new Date(Date.now() - 600_000).toISOString(),
    };
    const [announced] = harness.messagesFor({ ...same, chunks: [{ documentId: "trips-joined-0", size: 300_000 }] });
    const [joined] = harness.messagesFor({
      ...same,
      chunks: [{ documentId: "trips-joined-1", size: 300_000, index: 1 }],
    });
    await harness.expected.write([announced!]);
    await harness.expected.write([joined!]);
    const folder = chunkBlobNames(announced!).folder;
    expect(chunkBlobNames(joined!).folder).toBe(folder);
    // The later chunk first: the recording's first trace does not name it, and that trace's chunk is missing.
    expect((await harness.catalogJob.run(joined!, capturingContext().context, { dequeueCount: 1 })).status).toBe(
      "archived",
    );
    expect(await readManifest(harness.container, manifestName(folder))).toBeUndefined();
    const trips = await roundTrips(harness, announced!);
    expect(trips.status).toBe("archived");
    // Tombstones, later-event traces (found: one naming another chunk), then the folder, the traces again and intake's
    // queued records (the anomalies the manifest carries).
    expect(trips.storage["List Blobs"]).toBe(5);
    const manifest = (await readManifest(harness.container, manifestName(folder))) as RecordingManifest;
    expect(manifest.chunks.map((chunk) => [chunk.documentId, chunk.intakeTrace])).toEqual([
      ["trips-joined-0", "announced"],
      ["trips-joined-1", "laterEvent"],
    ]);
  });
});
