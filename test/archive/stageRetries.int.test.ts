// Integration tier. Needs: Azurite, the ACS simulator, loopback servers.
import { describe, expect, inject, it } from "vitest";
import { AcsClients } from "../../src/acs/acsClients";
import { ChunkArchiveJob } from "../../src/pipeline/chunkArchiveJob";
import { ChunkArchiver } from "../../src/archive/chunkArchiver";
import { FailureRecords } from "../../src/archive/failureRecords";
import { MAX_STAGE_REQUESTS } from "../../src/archive/transfer/transferContext";
import { parseConfig } from "../../src/config/appConfig";
import { readEnvelope } from "../../src/events/eventEnvelope";
import { chunkMessagesFromEvent } from "../../src/events/recordingEvent";
import { createBlobServiceClient } from "../../src/storage/storageClients";
import { FAST_RETRY } from "../support/archiveHarness";
import { startHostileStorage, type HostileStorage } from "../support/hostileStorage";
import { capturingContext, uniqueName, simSettings } from "../support/testSettings";
import { useAcsSimulator } from "../support/useAcsSimulator";

// "One retry layer": a block costs a bounded number of Storage requests however Storage
// fails — the SDK retries network errors, 500 and 503; our layer only what the SDK does not.

const sim = useAcsSimulator();

const BLOCK = 256 * 1024;

async function archiveThrough(storage: HostileStorage, documentId: string) {
  const config = parseConfig(
    simSettings(sim, {
      AzureWebJobsStorage: storage.connectionString,
      RECORDINGS_CONTAINER: uniqueName("stage"),
    }),
  );
  // The app's own Storage client (STORAGE_RETRY), as services.ts builds it.
  const container = createBlobServiceClient(config.recordingsStorage).getContainerClient(config.recordingsContainer);
  const archiver = new ChunkArchiver({
    acs: new AcsClients(config.acsResources, config.downloadHosts),
    container,
    blockSize: BLOCK,
    concurrency: 2,
    retentionHours: 24,
    deleteAfterArchive: false,
    retry: FAST_RETRY,
    idleTimeoutMs: 5_000,
  });
  const job = new ChunkArchiveJob({
    archiver,
    failures: new FailureRecords(container),
    downloadHosts: config.downloadHosts,
  });
  sim.addDocument(documentId, { size: 2 * BLOCK });
  const { context } = capturingContext();
  const envelope = readEnvelope(
    sim.recordingEvent({ callId: `call-${documentId}`, chunks: [{ documentId, size: 2 * BLOCK }] }),
  );
  return job.run(chunkMessagesFromEvent(envelope!, config)[0], context);
}

function stageRequestsPerBlock(storage: HostileStorage): number[] {
  const perBlock = new Map<string, number>();
  for (const request of storage.requests) {
    const url = new URL(request.url, "http://x");
    if (request.method === "PUT" && url.searchParams.get("comp") === "block") {
      const id = url.searchParams.get("blockid") ?? "";
      perBlock.set(id, (perBlock.get(id) ?? 0) + 1);
    }
  }
  return [...perBlock.values()];
}

describe("staging a block is retried by one layer per kind of fault, with a bounded total", () => {
  it.each([
    [503, 3],
    [500, 3],
    [429, 3],
    [502, 3],
  ])(
    "Storage answering %i to every staged block: at most %i requests per block",
    async (status, bound) => {
      const storage = await startHostileStorage(inject("azuriteConnectionString"), (req) =>
        req.method === "PUT" && req.url?.includes("comp=block") && !req.url.includes("comp=blocklist")
          ? { answer: status }
          : undefined,
      );
      try {
        const result = await archiveThrough(storage, `doc-stage-${status}`);
        expect(result.status).toBe("retry");
        const counts = stageRequestsPerBlock(storage);
        expect(counts.length).toBeGreaterThan(0);
        expect(Math.max(...counts)).toBeLessThanOrEqual(bound);
        expect(bound).toBeLessThanOrEqual(MAX_STAGE_REQUESTS);
      } finally {
        await storage.close();
      }
    },
    60_000,
  );
});
