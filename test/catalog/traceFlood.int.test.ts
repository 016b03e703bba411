// Integration tier. Needs: Azurite.
import { BlobServiceClient, type ContainerClient } from "@azure/storage-blob";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { expectedRecordName, tracesFolder } from "../../src/layout/catalogLayout";
import { readRecordingTraces } from "../../src/catalog/recordingTraces";
import { mapConcurrent } from "../../src/shared/mapConcurrent";
import { uniqueName } from "../support/testSettings";

// A recording flooded with forged events, each listing 1,000 chunks of its own: what one reading of its traces holds is
// bounded by chunks, not only by the number of traces (the deadline watch, the status API and the archive job's
// catalogue step all read them).

const CHUNKS_PER_EVENT = 1000;
let container: ContainerClient;
beforeAll(async () => {
  container = BlobServiceClient.fromConnectionString(inject("azuriteConnectionString")).getContainerClient(
    uniqueName("flood"),
  );
  await container.create();
});

/** A trace as intake writes it (expected.json or a later trace), of `chunks` chunks. */
function trace(folder: string, event: number, chunks: number): string {
  return JSON.stringify({
    schemaVersion: 1,
    recordingFolder: folder,
    eventId: `flood-${event}`,
    callId: "flood-call",
    acsResource: null,
    chunkCount: chunks,
    chunks: Array.from({ length: chunks }, (_, index) => ({
      index,
      documentId: `0-eus-d12-flood-${event}-${index}`,
      deadline: "2024-05-07T07:10:11.219Z",
      eventTime: "2024-05-06T07:10:11.219Z",
      mediaBlob: `${folder}${String(index).padStart(4, "0")}-0-eus-d12-flood-${event}-${index}.mp4`,
      metadataBlob: `${folder}${String(index).padStart(4, "0")}-0-eus-d12-flood-${event}-${index}.metadata.json`,
    })),
  });
}

async function recordingWith(laterEvents: number, chunks: number): Promise<string> {
  const folder = `calls/${uniqueName("flood-call")}/20240506T070809123Z-rec/`;
  const first = trace(folder, 0, chunks);
  await container.getBlockBlobClient(expectedRecordName(folder)).upload(first, first.length);
  await mapConcurrent(
    Array.from({ length: laterEvents }, (_, n) => n + 1),
    8,
    async (event) => {
      const text = trace(folder, event, chunks);
      await container
        .getBlockBlobClient(`${tracesFolder(folder)}${String(event).padStart(40, "0")}.json`)
        .upload(text, text.length);
    },
  );
  return folder;
}

describe("reading a recording's traces", () => {
  it("stops starting reads once 10,000 chunks are in, and says it left some out", async () => {
    const folder = await recordingWith(30, CHUNKS_PER_EVENT);
    const traces = await readRecordingTraces(container, folder);
    expect(traces.first?.chunks).toHaveLength(CHUNKS_PER_EVENT);
    // 10,000 chunks with the first trace's, plus the reads already under way (8) when the bound was passed.
    expect(traces.later.length).toBeGreaterThanOrEqual(9);
    expect(traces.later.length).toBeLessThanOrEqual(9 + 8);
    expect(traces.truncated).toBe(true);
  }, 120_000);

  it("reads every trace of a recording below the bound, not truncated", async () => {
    const folder = await recordingWith(12, 5);
    const traces = await readRecordingTraces(container, folder);
    expect(traces.later).toHaveLength(12);
    expect(traces.truncated).toBe(false);
  });
});
