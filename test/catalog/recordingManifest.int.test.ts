// Integration tier. Needs: Azurite, the ACS simulator.
import { describe, expect, inject, it } from "vitest";
import { manifestName } from "../../src/layout/blobLayout";
import { readManifest, type RecordingManifest } from "../../src/catalog/recordingManifest";
import { chunkBlobNames } from "../../src/layout/blobLayout";
import { listBlobs } from "../support/archiveHarness";
import { catalogHarness } from "../support/catalogHarness";
import { capturingContext } from "../support/testSettings";
import { useAcsSimulator } from "../support/useAcsSimulator";

const sim = useAcsSimulator();

function metadataWith(participants: unknown[]): string {
  return JSON.stringify({ resourceId: "r", callId: "c", chunkDocumentId: "d", chunkIndex: 0, participants });
}

describe("the manifest of a recording", () => {
  it("is written once, when the last chunk lands, whatever the order, with every chunk and the distinct participants", async () => {
    const harness = catalogHarness(sim, inject("azuriteConnectionString"));
    sim.addDocument("man-doc-0", {
      size: 300_001,
      metadata: metadataWith([{ participantId: "8:acs:alice" }, { participantId: "8:acs:bob" }]),
    });
    sim.addDocument("man-doc-1", {
      size: 200_000,
      metadata: metadataWith([{ participantID: "8:acs:bob" }, "8:acs:carol", { nothing: 1 }]),
    });
    sim.addDocument("man-doc-2", { size: 5, metadata: "not json at all" });
    const messages = harness.messagesFor({
      callId: "call-manifest",
      recordingId: "rec-manifest",
      chunks: [
        { documentId: "man-doc-0", size: 300_001 },
        { documentId: "man-doc-1", size: 200_000 },
        { documentId: "man-doc-2", size: 5 },
      ],
    });
    const folder = chunkBlobNames(messages[0]!).folder;
    const { context } = capturingContext();
    // Last chunk first, then the first; no manifest until all three are in storage.
    for (const message of [messages[2]!, messages[0]!]) {
      expect((await harness.catalogJob.run(message, context)).status).toBe("archived");
      expect(await listBlobs(harness.container, manifestName(folder))).toEqual([]);
    }
    expect((await harness.catalogJob.run(messages[1], context)).status).toBe("archived");
    const manifest = (await readManifest(harness.container, manifestName(folder))) as RecordingManifest;
    expect(manifest).toMatchObject({
      schemaVersion: 1,
      callId: "call-manifest",
      recordingId: "rec-manifest",
      acsResource: messages[0]!.resource,
      recordingStartTime: messages[0]!.recordingStartTime,
      recordingDurationMs: messages[0]!.recordingDurationMs,
      contentType: "AudioVideo",
      channelType: "Mixed",
      formatType: "Mp4",
      chunkCount: 3,
    });
    expect(manifest.participantIds).toEqual(["8:acs:alice", "8:acs:bob", "8:acs:carol"]);
    expect(manifest.chunks.map((chunk) => chunk.documentId)).toEqual(["man-doc-0", "man-doc-1", "man-doc-2"]);
    for (const chunk of manifest.chunks) {
      const container = harness.container.containerName;
      if (chunk.media.store !== "archive") throw new Error("expected media in the archive");
      expect(chunk.media.blob.startsWith(`${container}/${folder}`)).toBe(true);
      expect(chunk.media.bytes).toBe(sim.document(chunk.documentId)!.size);
      expect(chunk.media.sha256).toBe(sim.contentSha256(chunk.documentId));
      expect(chunk.media.contentType).toBe("video/mp4");
      expect(chunk.metadata.bytes).toBe(sim.metadataBytes(chunk.documentId).length);
    }
    expect(Date.parse(manifest.completedAt)).not.toBeNaN();
    // A redelivery of any chunk leaves the manifest as it was.
    const etag = (await harness.container.getBlobClient(manifestName(folder)).getProperties()).etag;
    expect((await harness.catalogJob.run(messages[0], context)).status).toBe("alreadyArchived");
    expect((await harness.container.getBlobClient(manifestName(folder)).getProperties()).etag).toBe(etag);
  });

  it("concurrent last chunks on separate jobs still give one manifest", async () => {
    const storage = inject("azuriteConnectionString");
    const first = catalogHarness(sim, storage);
    const chunks = Array.from({ length: 4 }, (_, index) => ({ documentId: `race-doc-${index}`, size: 50_000 + index }));
    const messages = first.messagesFor({ callId: "call-race", chunks });
    const { context } = capturingContext();
    // Archive the media and metadata of all chunks without the catalog (an earlier version, or instances
    // that have not reached their catalog step yet), then let every chunk's catalog step run at once.
    for (const message of messages) expect((await first.job.run(message, context)).status).toBe("archived");
    const folder = chunkBlobNames(messages[0]!).folder;
    const { context: racing, logs } = capturingContext();
    const results = await Promise.all(messages.map((message) => first.catalogJob.run(message, racing)));
    // Every racer saw the recording complete; one wrote, the others found an equivalent manifest.
    expect(logs.filter((line) => line.message.includes("is complete: wrote"))).toHaveLength(1);
    expect(logs.filter((line) => line.level === "error")).toEqual([]);
    expect(results.map((result) => result.status)).toEqual([
      "alreadyArchived",
      "alreadyArchived",
      "alreadyArchived",
      "alreadyArchived",
    ]);
    const manifests = (await listBlobs(first.container, folder)).filter((name) => name.endsWith("manifest.json"));
    expect(manifests).toEqual([manifestName(folder)]);
    const manifest = (await readManifest(first.container, manifestName(folder))) as RecordingManifest;
    expect(manifest.chunks).toHaveLength(4);
  });

  it("picks up chunks an earlier version archived: the manifest is written when the remaining chunk completes", async () => {
    const harness = catalogHarness(sim, inject("azuriteConnectionString"));
    const messages = harness.messagesFor({
      callId: "call-upgrade",
      chunks: [
        { documentId: "up-doc-0", size: 90_000 },
        { documentId: "up-doc-1", size: 10_000 },
      ],
    });
    const { context } = capturingContext();
    expect((await harness.job.run(messages[0], context)).status).toBe("archived");
    const folder = chunkBlobNames(messages[0]!).folder;
    expect(await readManifest(harness.container, manifestName(folder))).toBeUndefined();
    expect((await harness.catalogJob.run(messages[1], context)).status).toBe("archived");
    const manifest = (await readManifest(harness.container, manifestName(folder))) as RecordingManifest;
    expect(manifest.chunks.map((chunk) => [chunk.documentId, chunk.media.sha256])).toEqual([
      ["up-doc-0", sim.contentSha256("up-doc-0")],
      ["up-doc-1", sim.contentSha256("up-doc-1")],
    ]);
  });

  it("waits for the chunks intake expected, by documentId, when intake left its record", async () => {
    const harness = catalogHarness(sim, inject("azuriteConnectionString"));
    const messages = harness.messagesFor({
      callId: "call-expected",
      chunks: [
        { documentId: "exp-doc-0", size: 1_000 },
        { documentId: "exp-doc-1", size: 2_000 },
      ],
    });
    expect((await harness.expected.write(messages)).recordings).toBe(1);
    // Written once: a redelivered event finds the record there (409) and succeeds.
    expect((await harness.expected.write(messages)).recordings).toBe(1);
    const { context } = capturingContext();
    expect((await harness.catalogJob.run(messages[0], context)).status).toBe("archived");
    const folder = chunkBlobNames(messages[0]!).folder;
    expect(await readManifest(harness.container, manifestName(folder))).toBeUndefined();
    expect((await harness.catalogJob.run(messages[1], context)).status).toBe("archived");
    expect((await readManifest(harness.container, manifestName(folder)))?.chunks).toHaveLength(2);
    expect(
      (await listBlobs(harness.container, "archive-catalog/")).filter((name) => name.endsWith("expected.json")),
    ).toHaveLength(1);
  });
});
