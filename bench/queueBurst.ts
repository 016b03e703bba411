import { loadavg } from "node:os";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BlobServiceClient } from "@azure/storage-blob";
import { parseConfig } from "../src/config/appConfig";
import type { AcsSimulator, MediaFormat } from "../tools/acsSimulator";
import { startAzurite } from "../tools/azurite";
import { drainQueue, QueueWorkerProcess, type QueueListenerSettings } from "./hostQueueListener";
import { processCpuMicros } from "./processCpu";
import { queueRig } from "./queueRig";

const MIB = 1024 * 1024;

/** One recording of a burst: one chunk. */
export interface BurstRecording {
  readonly documentId: string;
  readonly size: number;
  readonly format: MediaFormat;
}

/** Who drains the burst, and how many messages the listener runs at once. */
export interface BurstVariant {
  readonly label: string;
  readonly handler: "app" | "peers";
  readonly listener: QueueListenerSettings;
  /** App settings on top of the defaults (e.g. ARCHIVE_MEMORY_BUDGET). */
  readonly settings?: Readonly<Record<string, string>>;
}

export interface BurstMeasurement {
  readonly label: string;
  readonly handler: "app" | "peers";
  /** batchSize + newBatchThreshold: the most messages the listener runs at once. */
  readonly inFlight: number;
  readonly peakInFlight: number;
  readonly chunks: number;
  readonly bytes: number;
  readonly seconds: number;
  /** Worker process CPU time (user + system) during the burst, per chunk. */
  readonly cpuMsPerChunk: number;
  readonly azuriteCpuMsPerChunk: number;
  /** The benchmark process: the ACS simulator and the queue listener. */
  readonly simulatorCpuMsPerChunk: number;
  readonly peakRssBytes: number;
  readonly failedDeliveries: number;
  readonly poisoned: number;
  /** The machine's 1-minute load average when the burst ended. */
  readonly loadAverage: number;
  readonly settings: Readonly<Record<string, string>>;
}

/** A burst of one-chunk recordings, sizes drawn from [minSize, maxSize] by `random` (in [0, 1)). */
export function burstRecordings(
  prefix: string,
  count: number,
  minSize: number,
  maxSize: number,
  random: () => number,
): BurstRecording[] {
  return Array.from({ length: count }, (_, i) => ({
    documentId: `${prefix}-${i}`,
    size: Math.round(minSize + random() * (maxSize - minSize)),
    format: "mp3" as const,
  }));
}

/**
 * One burst, drained as one Functions instance would drain it: a fresh Azurite, the recordings registered in the
 * simulator behind a per-connection bandwidth cap, intake's messages (and expected records) written first so the
 * queue holds the whole burst, then the host-like listener and one worker process (after a warm-up, so the app is
 * loaded) until every message is done. Every archived blob's size is checked afterwards.
 */
export async function runBurst(
  sim: AcsSimulator,
  variant: BurstVariant,
  recordings: readonly BurstRecording[],
  options: { capBytesPerSecond: number; onDisk?: boolean; appRoot?: string },
): Promise<BurstMeasurement> {
  const location = options.onDisk ? mkdtempSync(join(tmpdir(), "bench-burst-")) : undefined;
  const azurite = await startAzurite(location ? { location } : {});
  let worker: QueueWorkerProcess | undefined;
  try {
    const rig = await queueRig(sim, azurite.connectionString, azurite.connectionString, variant.settings);
    const cap = [{ kind: "bandwidth" as const, bytesPerSecond: options.capBytesPerSecond }];
    const enqueue = (batch: readonly BurstRecording[], tag: string): Promise<void> =>
      rig.enqueue(
        batch.map((recording) => {
          sim.addDocument(recording.documentId, { size: recording.size, format: recording.format, faults: cap });
          return { callId: `${tag}-${recording.documentId}`, chunks: [recording] };
        }),
      );
    const { queue, poison, settings } = rig;
    worker = await QueueWorkerProcess.start(variant.handler, settings, options.appRoot);
    const warmUp = burstRecordings(`${recordings[0]?.documentId ?? "burst"}-warmup`, 4, MIB, MIB, () => 0);
    await enqueue(warmUp, "warmup");
    await drainQueue(queue, poison, worker, variant.listener, warmUp.length);
    await enqueue(recordings, "burst");
    const before = await worker.usage();
    const azuriteBefore = processCpuMicros(azurite.pid) ?? 0;
    const ownBefore = process.cpuUsage();
    const drained = await drainQueue(queue, poison, worker, variant.listener, recordings.length);
    const after = await worker.usage();
    const azuriteMs = ((processCpuMicros(azurite.pid) ?? 0) - azuriteBefore) / 1000;
    const own = process.cpuUsage(ownBefore);
    if (drained.errors.length > 0) console.error(`${variant.label}: ${drained.errors.slice(0, 5).join("\n")}`);
    await checkArchived(
      azurite.connectionString,
      parseConfig(settings).recordingsContainer,
      variant.handler,
      recordings,
    );
    const chunks = recordings.length;
    return {
      label: variant.label,
      handler: variant.handler,
      inFlight: variant.listener.batchSize + variant.listener.newBatchThreshold,
      peakInFlight: drained.peakInFlight,
      chunks,
      bytes: recordings.reduce((sum, recording) => sum + recording.size, 0),
      seconds: drained.seconds,
      cpuMsPerChunk: (after.cpuMicros - before.cpuMicros) / 1000 / chunks,
      azuriteCpuMsPerChunk: azuriteMs / chunks,
      simulatorCpuMsPerChunk: (own.user + own.system) / 1000 / chunks,
      peakRssBytes: after.maxRssBytes,
      failedDeliveries: drained.failedDeliveries,
      poisoned: drained.poisoned,
      loadAverage: loadavg()[0] ?? 0,
      settings: variant.settings ?? {},
    };
  } finally {
    await worker?.stop();
    await azurite.stop();
    if (location) rmSync(location, { recursive: true, force: true });
  }
}

/** Every recording's media is in the container with its size (the app's layout, or the peers' `peers/<documentId>`). */
async function checkArchived(
  connectionString: string,
  containerName: string,
  handler: "app" | "peers",
  recordings: readonly BurstRecording[],
): Promise<void> {
  const container = BlobServiceClient.fromConnectionString(connectionString).getContainerClient(containerName);
  const sizes = new Map<string, number>();
  for await (const blob of container.listBlobsFlat({ includeMetadata: true })) {
    const documentId =
      handler === "peers"
        ? blob.name.replace(/^peers\//, "")
        : blob.name.endsWith(".metadata.json")
          ? undefined
          : blob.metadata?.["documentid"];
    if (documentId !== undefined && (handler === "peers" || blob.name.startsWith("calls/")))
      sizes.set(documentId, blob.properties.contentLength ?? -1);
  }
  const wrong = recordings.filter((recording) => sizes.get(recording.documentId) !== recording.size);
  if (wrong.length > 0)
    throw new Error(
      `${wrong.length} of ${recordings.length} chunks are not archived with their size (first: ${wrong[0]?.documentId})`,
    );
}

/** The listener settings for `batchSize` + `newBatchThreshold` in flight, otherwise as `base`. */
export function withConcurrency(
  base: QueueListenerSettings,
  batchSize: number,
  newBatchThreshold: number,
): QueueListenerSettings {
  return { ...base, batchSize, newBatchThreshold };
}

export const rate = {
  chunksPerSecond: (m: BurstMeasurement): number => m.chunks / m.seconds,
  mibPerSecond: (m: BurstMeasurement): number => m.bytes / MIB / m.seconds,
};
