// Integration tier. Needs: Azurite, the ACS simulator, loopback servers.
import { describe, expect, inject, it } from "vitest";
import { FailureRecords } from "../../src/archive/failureRecords";
import { StorageUnavailableError } from "../../src/errors";
import { BlobServiceClient } from "@azure/storage-blob";
import { archiveHarness, listBlobs } from "../support/archiveHarness";
import { startHostileStorage } from "../support/hostileStorage";
import { capturingContext, uniqueName } from "../support/testSettings";
import { useAcsSimulator } from "../support/useAcsSimulator";

// Failure records: one record per chunk and outcome (stable name, never overwritten), without the query
// strings of location URLs, under OPERATIONAL_PREFIXES.failures; and a Storage that never answers
// cannot hold a record write for ever.

const sim = useAcsSimulator();

describe("failure records", () => {
  it("are written once per chunk and outcome, however often the chunk fails, and keep no query string", async () => {
    const harness = archiveHarness(sim, inject("azuriteConnectionString"), {
      settings: {
        ACS_CONNECTION_STRING: sim.connectionString.replace(
          /accesskey=.*/,
          `accesskey=${Buffer.alloc(32, 3).toString("base64")}`,
        ),
      },
    });
    sim.addDocument("doc-record-once", { size: 1000 });
    const [message] = harness.messagesFor({
      callId: "call-record-once",
      chunks: [{ documentId: "doc-record-once", size: 1000 }],
    });
    const withToken = {
      ...message!,
      contentLocation: `${message!.contentLocation}?sig=SECRET-TOKEN&se=2099`,
      metadataLocation: `${message!.metadataLocation}?sig=SECRET-TOKEN`,
    };
    const { context } = capturingContext();
    const first = await harness.job.run(withToken, context);
    const second = await harness.job.run(withToken, context);
    expect(first).toMatchObject({ status: "failed" });
    expect(second).toMatchObject({ status: "failed", recordedAt: (first as { recordedAt: string }).recordedAt });
    const records = await listBlobs(harness.container, "archive-failures/");
    expect(records).toHaveLength(1);
    const text = (await harness.container.getBlobClient(records[0]!).downloadToBuffer()).toString("utf8");
    expect(text).not.toContain("SECRET-TOKEN");
    expect(text).not.toContain("sig=");
    expect(JSON.parse(text)).toMatchObject({ outcome: "failed", message: { documentId: "doc-record-once" } });
  });

  it("are not written while a Storage that never answers holds the call: the write fails within its deadline", async () => {
    const storage = await startHostileStorage(inject("azuriteConnectionString"), () => "hang");
    try {
      const container = BlobServiceClient.fromConnectionString(storage.connectionString, {
        retryOptions: { maxTries: 1 },
      }).getContainerClient(uniqueName("hang"));
      const records = new FailureRecords(container);
      await expect(
        records.record({ outcome: "failed", error: new Error("x"), rawMessage: "garbage" }),
      ).rejects.toBeInstanceOf(StorageUnavailableError);
      expect(storage.requests.length).toBeGreaterThan(0);
    } finally {
      await storage.close();
    }
  }, 45_000);
});
