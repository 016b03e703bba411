import { QueueServiceClient, type QueueClient } from "@azure/storage-queue";
import { createServices } from "../src/app/services";
import { parseConfig } from "../src/config/appConfig";
import type { Log } from "../src/shared/log";
import type { AcsSimulator, RecordingChunkSpec } from "../tools/acsSimulator";

const QUIET: Log = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: (...args: unknown[]) => console.error(...args),
};

/** What a queue benchmark drives: the app's settings, the real intake, and the chunk queue with its poison queue. */
export interface QueueRig {
  /** App settings (the worker's environment). */
  readonly settings: Record<string, string>;
  readonly queue: QueueClient;
  readonly poison: QueueClient;
  /** Intake of one event per recording (expected records, deadline markers, queue messages), 50 events a delivery. */
  enqueue(recordings: readonly { readonly callId: string; readonly chunks: RecordingChunkSpec[] }[]): Promise<void>;
}

/**
 * The app's settings against the simulator and `storage` (plus `extra`), and the real intake core writing to the
 * queue that the app's trigger reads. `queueStorage` holds the queue (Azurite itself, when `storage` is a proxy).
 */
export async function queueRig(
  sim: AcsSimulator,
  storage: string,
  queueStorage: string,
  extra: Readonly<Record<string, string>> = {},
): Promise<QueueRig> {
  const settings: Record<string, string> = {
    FUNCTIONS_WORKER_RUNTIME: "node",
    AzureWebJobsStorage: storage,
    ACS_CONNECTION_STRING: sim.connectionString,
    ALLOWED_DOWNLOAD_HOSTS: sim.allowedHosts.join(","),
    ...extra,
  };
  const config = parseConfig(settings);
  const intake = createServices(config).intake;
  const queues = QueueServiceClient.fromConnectionString(queueStorage);
  const poison = queues.getQueueClient(`${config.chunkQueue}-poison`);
  await poison.createIfNotExists();
  return {
    settings,
    queue: queues.getQueueClient(config.chunkQueue),
    poison,
    async enqueue(recordings) {
      const events = recordings.map((recording) => sim.recordingEvent(recording));
      for (let at = 0; at < events.length; at += 50)
        await intake.receive(events.slice(at, at + 50), "benchmark", QUIET);
    },
  };
}
