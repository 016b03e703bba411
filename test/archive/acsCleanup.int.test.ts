// Integration tier. Needs: Azurite, the ACS simulator.
import { describe, expect, inject, it } from "vitest";
import { AcsClients } from "../../src/acs/acsClients";
import { deleteFromAcs } from "../../src/archive/acsCleanup";
import { chunkBlobNames } from "../../src/layout/blobLayout";
import { DEFAULT_RETRY } from "../../src/archive/retryPolicy";
import { archiveHarness } from "../support/archiveHarness";
import { capturingContext } from "../support/testSettings";
import { useAcsSimulator } from "../support/useAcsSimulator";

// DELETE_AFTER_ARCHIVE deletes only after reading the committed blobs back and matching them;
// a blob that merely exists is not proof that the recording is archived.

const sim = useAcsSimulator();

async function committed(documentId: string, media: { bytes: number; metadata: Record<string, string> }) {
  const harness = archiveHarness(sim, inject("azuriteConnectionString"), { deleteAfterArchive: true });
  sim.addDocument(documentId, { size: 1000 });
  const [message] = harness.messagesFor({ callId: `call-${documentId}`, chunks: [{ documentId, size: 1000 }] });
  const names = chunkBlobNames(message!);
  await harness.container.createIfNotExists();
  await harness.container
    .getBlockBlobClient(names.media)
    .upload(Buffer.alloc(media.bytes, 1), media.bytes, { metadata: media.metadata });
  const metadataBody = sim.metadataBytes(documentId);
  await harness.container
    .getBlockBlobClient(names.metadata)
    .upload(metadataBody, metadataBody.length, { metadata: { bytecount: String(metadataBody.length) } });
  return { harness, message: message!, names };
}

describe("DELETE_AFTER_ARCHIVE re-reads the committed blobs before deleting", () => {
  it.each([
    [
      "the media blob is shorter than what was archived",
      { bytes: 10, metadata: { documentid: "doc-clean-short", bytecount: "10" } },
      { bytes: 1000 },
    ],
    [
      "the stored byte count disagrees with the blob",
      { bytes: 1000, metadata: { documentid: "doc-clean-count", bytecount: "999" } },
      { bytes: 1000 },
    ],
    [
      "the blob names another document",
      { bytes: 1000, metadata: { documentid: "someone-else", bytecount: "1000" } },
      { bytes: 1000 },
    ],
    [
      "the stored SHA-256 is not the one computed",
      { bytes: 1000, metadata: { documentid: "doc-clean-sha", bytecount: "1000", contentsha256: "0".repeat(64) } },
      { bytes: 1000, contentSha256: "f".repeat(64) },
    ],
  ])("keeps the ACS copy when %s", async (label, media, archived) => {
    const documentId = media.metadata.documentid === "someone-else" ? "doc-clean-other" : media.metadata.documentid;
    const { harness, message, names } = await committed(documentId, media);
    const { context, logs } = capturingContext();
    const deleted = await deleteFromAcs(
      new AcsClients(harness.config.acsResources, harness.config.downloadHosts).forResource(message.resource, context),
      harness.container,
      message,
      { ...names, ...archived },
      context,
      DEFAULT_RETRY,
      { abortSignal: AbortSignal.timeout(30_000) },
    );
    expect(deleted, label).toBe(false);
    expect(sim.counters.documents[documentId]!.deletes).toBe(0);
    expect(logs.some((line) => line.message.includes("its ACS copy is kept"))).toBe(true);
  });

  it("deletes when the committed blobs match, and the whole job reports it", async () => {
    const harness = archiveHarness(sim, inject("azuriteConnectionString"), { deleteAfterArchive: true });
    sim.addDocument("doc-clean-ok", { size: 5000 });
    const [message] = harness.messagesFor({
      callId: "call-clean-ok",
      chunks: [{ documentId: "doc-clean-ok", size: 5000 }],
    });
    const { context } = capturingContext();
    expect(await harness.job.run(message, context)).toMatchObject({ status: "archived", deletedFromAcs: true });
    expect(sim.counters.documents["doc-clean-ok"]!.deletes).toBe(1);
  });
});
