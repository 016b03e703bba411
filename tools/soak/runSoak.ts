import { BlobServiceClient } from "@azure/storage-blob";
import { QueueServiceClient } from "@azure/storage-queue";
import { cpus, platform, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { createServices } from "../../src/app/services";
import { parseConfig } from "../../src/config/appConfig";
import { startAcsSimulator } from "../acsSimulator";
import { startAzurite } from "../azurite";
import { appSettings } from "./appSettings";
import { snapshotCompiledApp, type AppSnapshot } from "./appSnapshot";
import { ActivityLog } from "./chunkActivity";
import { planRecordings } from "./chunkPlan";
import { Dispatcher } from "./dispatcher";
import { prepareFeed } from "./eventFeed";
import { runFeed } from "./feedRunner";
import { KillPlanner } from "./killPlanner";
import { planFigures } from "./planFigures";
import { Prng } from "./prng";
import { sourceRevision } from "./sourceRevision";
import { failuresOf, type SoakReport } from "./soakReport";
import type { SoakOptions } from "./soakOptions";
import { verifyArchive } from "./verify";
import { WorkerLog } from "./workerLog";
import { WorkerPool } from "./workerPool";

/**
 * One soak run, start to finish: Azurite and the ACS simulator on loopback, generated events through the real
 * intake onto the real queue, the queue trigger played by a dispatcher over worker processes that get killed,
 * faults in the simulator, then verification of the archive. Stops by itself (drained queue or time limit).
 */
export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const started = Date.now();
  const source = sourceRevision();
  const rng = new Prng(options.seed);
  const azurite = await startAzurite(options.azuriteLocation ? { location: options.azuriteLocation } : {});
  const sim = await startAcsSimulator();
  const workerLog = new WorkerLog(options.workerLogPath ?? join(tmpdir(), `soak-${options.seed}-${process.pid}.log`), [
    sim.accessKey,
  ]);
  let pool: WorkerPool | undefined;
  let snapshot: AppSnapshot | undefined;
  try {
    const settings = appSettings(azurite.connectionString, sim, options);
    const config = parseConfig(settings);
    const services = createServices(config);
    const recordings = planRecordings(rng.derive("plan"), options);
    const feed = prepareFeed(sim, recordings, rng.derive("feed"), options);
    pool = new WorkerPool({
      script: options.workerScript ?? (snapshot = snapshotCompiledApp()).workerScript,
      settings,
      workers: options.workers,
      invocationsPerWorker: options.invocationsPerWorker,
      onLog: (id, level, text) => workerLog.line(`invocation ${id}`, level, text),
      onOutput: (text) =>
        text
          .split("\n")
          .filter((line) => line.trim() !== "")
          .forEach((line) => workerLog.line("worker", "output", line)),
    });
    const binding = await pool.start();
    if (binding.queueName !== config.chunkQueue)
      throw new Error(
        `the app's queue trigger listens on "${binding.queueName}", intake writes to "${config.chunkQueue}"`,
      );
    const queues = QueueServiceClient.fromConnectionString(azurite.connectionString);
    const queue = queues.getQueueClient(binding.queueName);
    await queue.createIfNotExists();
    const activity = new ActivityLog();
    const killer = new KillPlanner(
      rng.derive("kills"),
      options.killRate,
      options.killMaxDequeue,
      (documentId) => sim.document(documentId)?.size,
    );
    const setupDone = Date.now();
    options.log(
      `Seed ${options.seed}: ${feed.expected.length} chunks in ${recordings.length} recordings, ${feed.deliveries.length} deliveries; workers ready.`,
    );

    let feedDone = false;
    const workers = pool;
    const dispatcher = new Dispatcher(
      queue,
      queues.getQueueClient(`${binding.queueName}-poison`),
      workers,
      killer,
      activity,
      {
        lockSeconds: options.lockSeconds,
        retryDelaySeconds: options.retryDelaySeconds,
        maxDequeueCount: options.maxDequeueCount,
        deadline: started + options.timeLimitMs,
        feedDone: () => feedDone,
        hangMs: options.hangMs,
        describeChunk: (chunkKey) => {
          const chunk = feed.expected.find((candidate) => candidate.chunkKey === chunkKey);
          if (!chunk) return chunkKey;
          return `${chunk.documentId}#${chunk.index} (${chunk.size} bytes${chunk.ignoreRange ? ", no Range" : ""}; faults: ${chunk.faultLabels.join(", ") || "none"})`;
        },
        progress: (stats) =>
          options.log(
            `[${((Date.now() - started) / 1000).toFixed(0)} s] ${stats.received} received, ${stats.succeeded} done, ${stats.released} released, ` +
              `${workers.stats.kills} kills, ${stats.poisoned} poison, ${(sim.counters.totals.contentBytesServed / 2 ** 20).toFixed(0)} MiB downloaded`,
          ),
      },
    );
    const feeding = runFeed(feed.deliveries, services.intake, () => Date.now() > started + options.timeLimitMs).finally(
      () => (feedDone = true),
    );
    const dispatch = await dispatcher.run();
    const feedReport = await feeding;
    await pool.close();
    const archiveDone = Date.now();
    options.log(`Queue drained after ${((archiveDone - started) / 1000).toFixed(1)} s; verifying.`);

    const blobs = BlobServiceClient.fromConnectionString(azurite.connectionString);
    const verification = await verifyArchive({
      container: blobs.getContainerClient(config.recordingsContainer),
      quarantine: blobs.getContainerClient(config.quarantineContainer),
      sim,
      expected: feed.expected,
      activity,
      blockSize: options.blockSize,
      concurrency: options.concurrency,
      deleteAfterArchive: options.deleteAfterArchive,
    });
    const served = sim.counters.totals.contentBytesServed;
    const partial: Omit<SoakReport, "passed" | "failures"> = {
      seed: options.seed,
      startedAt: new Date(started).toISOString(),
      source,
      machine: {
        cpus: cpus().length,
        cpuModel: cpus()[0]?.model ?? "unknown",
        memoryGiB: Math.round(totalmem() / 2 ** 30),
        node: process.version,
        platform: platform(),
      },
      settings: {
        chunks: options.chunks,
        maxSize: options.maxSize,
        killRate: options.killRate,
        faultRate: options.faultRate,
        permanentRate: options.permanentRate,
        duplicateRate: options.duplicateRate,
        workers: options.workers,
        invocationsPerWorker: options.invocationsPerWorker,
        DOWNLOAD_BLOCK_SIZE: options.blockSize,
        DOWNLOAD_CONCURRENCY: options.concurrency,
        ARCHIVE_MEMORY_BUDGET: options.memoryBudget ?? "default",
        DELETE_AFTER_ARCHIVE: String(options.deleteAfterArchive),
        lockSeconds: options.lockSeconds,
        retryDelaySeconds: options.retryDelaySeconds,
        maxDequeueCount: options.maxDequeueCount,
      },
      durationMs: Date.now() - started,
      phasesMs: { setup: setupDone - started, archive: archiveDone - setupDone, verify: Date.now() - archiveDone },
      plan: planFigures(recordings),
      feed: feedReport,
      dispatch,
      kills: { ...killer.stats, ...pool.stats },
      faultsInjected: { ...sim.counters.totals.faultsInjected },
      bytes: {
        contentServed: served,
        archived: verification.archivedBytes,
        overheadPercent:
          verification.archivedBytes > 0
            ? ((served - verification.archivedBytes) / verification.archivedBytes) * 100
            : 0,
        metadataServed: sim.counters.totals.metadataBytesServed,
      },
      logs: workerLog.figures,
      verification,
    };
    const failures = failuresOf(partial);
    return { ...partial, passed: failures.length === 0, failures };
  } finally {
    await pool?.close();
    snapshot?.dispose();
    await workerLog.close();
    await sim.close();
    await azurite.stop();
  }
}
