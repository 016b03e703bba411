import { BlobServiceClient, type ContainerClient } from "@azure/storage-blob";
import { QueueServiceClient, type QueueClient } from "@azure/storage-queue";
import { parseConfig, type AppConfig } from "../../src/config/appConfig";
import type { ChunkMessage } from "../../src/queue/chunkMessage";
import { RecordingIntake } from "../../src/intake/recordingIntake";
import type { Log } from "../../src/shared/log";
import { ChunkQueue } from "../../src/queue/chunkQueue";
import { Quarantine } from "../../src/storage/quarantine";
import { createBlobServiceClient, createQueueServiceClient } from "../../src/storage/storageClients";
import { decodeAsQueueTrigger, drainQueue, FAST_FAIL_RETRY } from "./storageProbe";
import { TEST_ACS_CONNECTION_STRING, TEST_ACS_RESOURCE, uniqueName } from "./testSettings";

/** A Log that keeps every line, so tests can assert what was said (and what was not). */
export class RecordingLog implements Log {
  readonly lines: { level: string; text: string }[] = [];
  debug(...args: unknown[]): void {
    this.lines.push({ level: "debug", text: args.map(String).join(" ") });
  }
  info(...args: unknown[]): void {
    this.lines.push({ level: "info", text: args.map(String).join(" ") });
  }
  warn(...args: unknown[]): void {
    this.lines.push({ level: "warn", text: args.map(String).join(" ") });
  }
  error(...args: unknown[]): void {
    this.lines.push({ level: "error", text: args.map(String).join(" ") });
  }
  at(level: string): string[] {
    return this.lines.filter((line) => line.level === level).map((line) => line.text);
  }
}

export interface IntakeRig {
  readonly intake: RecordingIntake;
  readonly chunkQueue: ChunkQueue;
  readonly quarantine: Quarantine;
  readonly queue: QueueClient;
  readonly container: ContainerClient;
  readonly config: AppConfig;
}

export interface IntakeRigOptions {
  /** Connection strings for the queue (host storage) and the quarantine (recordings storage); Azurite by default. */
  readonly queueConnection?: string;
  readonly blobConnection?: string;
  /** Short client retries (for storage that refuses connections). */
  readonly fastFail?: boolean;
}

/** Builds the intake core as createServices does, on a test's own queue and quarantine container. */
export function intakeRig(azurite: string, options: IntakeRigOptions = {}): IntakeRig {
  const config = parseConfig({
    AzureWebJobsStorage: options.queueConnection ?? azurite,
    RECORDINGS_STORAGE: options.blobConnection ?? azurite,
    ACS_CONNECTION_STRING: TEST_ACS_CONNECTION_STRING,
    ALLOWED_ACS_RESOURCES: TEST_ACS_RESOURCE,
    CHUNK_QUEUE: uniqueName("intake"),
  });
  const retry = options.fastFail ? { retryOptions: FAST_FAIL_RETRY } : {};
  const queue = createQueueServiceClient(config.hostStorage, retry).getQueueClient(config.chunkQueue);
  const container = createBlobServiceClient(config.recordingsStorage, retry).getContainerClient(uniqueName("rejected"));
  const chunkQueue = new ChunkQueue(queue);
  const quarantine = new Quarantine(container);
  const intake = new RecordingIntake({ chunkQueue, quarantine, policy: config });
  return { intake, chunkQueue, quarantine, queue, container, config };
}

/** Clients that talk to the real Azurite whatever a rig points at. */
export function azuriteProbes(azurite: string): {
  queue: (queue: QueueClient) => QueueClient;
  container: (container: ContainerClient) => ContainerClient;
  messages: (queue: QueueClient) => Promise<ChunkMessage[]>;
} {
  const queues = QueueServiceClient.fromConnectionString(azurite);
  const blobs = BlobServiceClient.fromConnectionString(azurite);
  return {
    queue: (queue) => queues.getQueueClient(queue.name),
    container: (container) => blobs.getContainerClient(container.containerName),
    messages: async (queue) =>
      (await drainQueue(queues.getQueueClient(queue.name))).map((text) => decodeAsQueueTrigger(text) as ChunkMessage),
  };
}
