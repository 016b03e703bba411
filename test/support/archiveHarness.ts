import { createHash } from "node:crypto";
import { BlobServiceClient, type ContainerClient } from "@azure/storage-blob";
import { AcsClients } from "../../src/acs/acsClients";
import { ChunkArchiveJob } from "../../src/pipeline/chunkArchiveJob";
import { ChunkArchiver, type ChunkArchiverOptions } from "../../src/archive/chunkArchiver";
import { FailureRecords } from "../../src/archive/failureRecords";
import type { RetryPolicy } from "../../src/archive/retryPolicy";
import { parseConfig, type AppConfig } from "../../src/config/appConfig";
import type { ChunkMessage } from "../../src/queue/chunkMessage";
import { readEnvelope } from "../../src/events/eventEnvelope";
import { chunkMessagesFromEvent } from "../../src/events/recordingEvent";
import type { AcsSimulator, RecordingEventSpec } from "../../tools/acsSimulator";
import { uniqueName, simSettings } from "./testSettings";

/** Fast retries for tests: same logic, shorter waits. */
export const FAST_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 20, maxDelayMs: 100, maxRetryAfterMs: 5_000 };

export interface ArchiveHarness {
  readonly config: AppConfig;
  readonly container: ContainerClient;
  readonly job: ChunkArchiveJob;
  readonly archiver: ChunkArchiver;
  /** Chunk messages exactly as intake would queue them for an event the simulator builds. */
  messagesFor(spec: RecordingEventSpec): ChunkMessage[];
  /** SHA-256 (hex) of a committed blob, read back from Azurite. */
  blobSha256(name: string): Promise<string>;
}

/** The archiver wired to the simulator and Azurite the way the app wires it, with test-sized knobs. */
export function archiveHarness(
  sim: AcsSimulator,
  storage: string,
  overrides: Partial<
    Pick<
      ChunkArchiverOptions,
      "blockSize" | "concurrency" | "memory" | "deleteAfterArchive" | "idleTimeoutMs" | "invocationBudgetMs" | "now"
    >
  > & {
    retry?: RetryPolicy;
    settings?: Record<string, string>;
    requeue?: (message: ChunkMessage, delaySeconds: number) => Promise<void>;
  } = {},
): ArchiveHarness {
  const config = parseConfig(
    simSettings(sim, {
      AzureWebJobsStorage: storage,
      RECORDINGS_CONTAINER: uniqueName("rec"),
      ...overrides.settings,
    }),
  );
  const container = BlobServiceClient.fromConnectionString(storage).getContainerClient(config.recordingsContainer);
  const archiver = new ChunkArchiver({
    acs: new AcsClients(config.acsResources, config.downloadHosts),
    container,
    blockSize: overrides.blockSize ?? 256 * 1024,
    concurrency: overrides.concurrency ?? 4,
    ...(overrides.memory ? { memory: overrides.memory } : {}),
    retentionHours: config.retentionHours,
    deleteAfterArchive: overrides.deleteAfterArchive ?? config.deleteAfterArchive,
    retry: overrides.retry ?? FAST_RETRY,
    idleTimeoutMs: overrides.idleTimeoutMs ?? 2_000,
    ...(overrides.invocationBudgetMs ? { invocationBudgetMs: overrides.invocationBudgetMs } : {}),
    ...(overrides.now ? { now: overrides.now } : {}),
  });
  const job = new ChunkArchiveJob({
    archiver,
    failures: new FailureRecords(container),
    downloadHosts: config.downloadHosts,
    ...(overrides.now ? { now: overrides.now } : {}),
    ...(overrides.requeue ? { requeue: overrides.requeue } : {}),
  });
  return {
    config,
    container,
    job,
    archiver,
    messagesFor(spec) {
      const envelope = readEnvelope(sim.recordingEvent(spec));
      if (!envelope) throw new Error("the simulator built no event");
      return chunkMessagesFromEvent(envelope, config);
    },
    async blobSha256(name) {
      const hash = createHash("sha256");
      const download = await container.getBlobClient(name).download();
      for await (const piece of download.readableStreamBody as AsyncIterable<Buffer>) hash.update(piece);
      return hash.digest("hex");
    },
  };
}

/** Names of the blobs in a container (optionally under a prefix). */
export async function listBlobs(container: ContainerClient, prefix?: string): Promise<string[]> {
  const names: string[] = [];
  if (!(await container.exists())) return names;
  for await (const blob of container.listBlobsFlat(prefix ? { prefix } : {})) names.push(blob.name);
  return names;
}
