// Integration tier. Needs: Azurite, the ACS simulator.
import { describe, expect, inject, it } from "vitest";
import { archiveHarness, listBlobs } from "../support/archiveHarness";
import { capturingContext } from "../support/testSettings";
import { useAcsSimulator } from "../support/useAcsSimulator";

const sim = useAcsSimulator();

describe("archiving a multi-chunk recording", () => {
  it("archives every chunk and its metadata byte for byte (GA URLs)", async () => {
    const harness = archiveHarness(sim, inject("azuriteConnectionString"));
    const messages = harness.messagesFor({
      callId: "call-multi",
      chunks: [
        { documentId: "doc-multi-0", size: 1_000_000 + 17 },
        { documentId: "doc-multi-1", size: 300_000 },
        { documentId: "doc-multi-2", size: 0 },
      ],
    });
    const { context } = capturingContext();
    for (const message of messages) {
      const result = await harness.job.run(message, context);
      expect(result.status).toBe("archived");
      if (result.status === "archived") expect(result.downloadedBytes).toBe(sim.document(message.documentId)!.size);
    }
    const names = await listBlobs(harness.container);
    expect(names).toHaveLength(6);
    for (const message of messages) {
      const media = names.find((name) => name.endsWith(`${message.documentId}.mp4`));
      expect(media, `media of ${message.documentId}`).toBeDefined();
      expect(await harness.blobSha256(media as string)).toBe(sim.contentSha256(message.documentId));
      const metadata = names.find((name) => name.endsWith(`${message.documentId}.metadata.json`));
      const stored = await harness.container.getBlobClient(metadata as string).downloadToBuffer();
      expect(stored.equals(sim.metadataBytes(message.documentId))).toBe(true);
    }
  });

  it("uses the 2021 preview API's download URLs when a chunk has no contentLocation", async () => {
    const harness = archiveHarness(sim, inject("azuriteConnectionString"));
    const [message] = harness.messagesFor({
      era: "preview",
      callId: "call-preview-2021",
      chunks: [{ documentId: "doc-preview-2021", size: 700_001 }],
    });
    expect(message?.contentLocation).toBeUndefined();
    const { context } = capturingContext();
    const result = await harness.job.run(message, context);
    expect(result).toMatchObject({ status: "archived", bytes: 700_001 });
    const preview2021Requests = sim.requests.filter((request) =>
      request.url.startsWith("/recording/download/doc-preview-2021"),
    );
    expect(preview2021Requests.length).toBeGreaterThan(1);
    expect(preview2021Requests.every((request) => request.authorized)).toBe(true);
    const [media] = (await listBlobs(harness.container)).filter((name) => name.endsWith(".mp4"));
    expect(await harness.blobSha256(media as string)).toBe(sim.contentSha256("doc-preview-2021"));
  });
});
