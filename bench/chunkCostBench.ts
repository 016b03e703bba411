/**
 * `npm run bench:chunk`: the fixed cost of one chunk. Archives recordings one chunk at a time through the
 * compiled app's registered `archiveChunk` (in a worker process of its own, fed by a host-like queue listener)
 * and reports, per chunk, the Storage requests by operation (counted by a loopback proxy in front of Azurite),
 * the ACS requests by kind (the simulator's request log) and the worker's CPU time. `--cpu-prof <dir>` writes a
 * V8 CPU profile of the worker. See USAGE for the flags.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import { parseByteSize } from "../src/shared/byteSize";
import { CommandLineError, parseCommandLine } from "../src/shared/commandLine";
import { startAcsSimulator } from "../tools/acsSimulator";
import { azuriteConnectionString, startAzurite } from "../tools/azurite";
import { drainQueue, QueueWorkerProcess } from "./hostQueueListener";
import { processCpuMicros } from "./processCpu";
import { queueRig, type QueueRig } from "./queueRig";
import { StorageRequestCounter } from "./storageRequestCounter";

const USAGE = `Usage: npm run bench:chunk -- [options]
  --recordings <n>      recordings archived and counted (default 40), after 5 for warm-up
  --size <bytes>        size of each chunk (default 1MiB; units as in the app's settings)
  --chunks <n>          chunks per recording (default 1)
  --index               with PARTICIPANT_INDEX_KEY set (the participant index on, as azd deploys it)
  --app <folder>        another built checkout's compiled app (to measure it before a change)
  --peers               run the peers' handler (signed GET piped into uploadStream) instead of the app
  --cpu-prof <folder>   write a V8 CPU profile of the worker there
  -h, --help            this text`;

const FLAGS = {
  recordings: { type: "string" },
  size: { type: "string" },
  chunks: { type: "string" },
  index: { type: "boolean" },
  app: { type: "string" },
  peers: { type: "boolean" },
  "cpu-prof": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

const WARM_UP = 5;

function whole(flag: string, text: string): number {
  const value = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < 1)
    throw new CommandLineError(`${flag} must be a whole number of at least 1; got "${text}"`, USAGE);
  return value;
}

async function main(): Promise<void> {
  const { values } = parseCommandLine(process.argv.slice(2), FLAGS, { usage: USAGE });
  if (values.help === true) return console.log(USAGE);
  const recordings = whole("--recordings", values.recordings ?? "40");
  const chunks = whole("--chunks", values.chunks ?? "1");
  const size = parseByteSize(values.size ?? "1MiB");
  if (size === undefined) throw new CommandLineError(`--size must be a byte size; got "${values.size}"`, USAGE);
  if (values["cpu-prof"]) {
    mkdirSync(resolve(values["cpu-prof"]), { recursive: true });
    process.env["BENCH_WORKER_EXEC_ARGV"] = `--cpu-prof --cpu-prof-dir=${resolve(values["cpu-prof"])}`;
  }
  const azurite = await startAzurite();
  const counter = await StorageRequestCounter.start(azurite.blobPort);
  const sim = await startAcsSimulator();
  try {
    const storage = azuriteConnectionString(counter.port, azurite.queuePort, azurite.tablePort);
    const rig = await queueRig(
      sim,
      storage,
      azurite.connectionString,
      // The key as azd generates it: base64 of 32 random bytes.
      values.index === true ? { PARTICIPANT_INDEX_KEY: randomBytes(32).toString("base64") } : {},
    );
    const { queue, poison } = rig;
    const worker = await QueueWorkerProcess.start(
      values.peers === true ? "peers" : "app",
      rig.settings,
      values.app ? resolve(values.app) : undefined,
    );
    const listener = {
      batchSize: 1,
      newBatchThreshold: 0,
      maxDequeueCount: 5,
      visibilityTimeoutSeconds: 1,
      maxPollingIntervalMs: 500,
    };
    try {
      await feed(rig, "warmup", WARM_UP, chunks, size);
      await drainQueue(queue, poison, worker, listener, WARM_UP * chunks);
      await feed(rig, "cost", recordings, chunks, size);
      counter.take();
      const acsFrom = sim.requests.length;
      const before = await worker.usage();
      const azuriteBefore = processCpuMicros(azurite.pid) ?? 0;
      const ownBefore = process.cpuUsage();
      const drained = await drainQueue(queue, poison, worker, listener, recordings * chunks);
      const after = await worker.usage();
      const azuriteMs = ((processCpuMicros(azurite.pid) ?? 0) - azuriteBefore) / 1000;
      const own = process.cpuUsage(ownBefore);
      const storageCounts = counter.take();
      const acsCounts = new Map<string, number>();
      for (const request of sim.requests.slice(acsFrom)) {
        const kind = `${request.method} ${request.url.includes("acsmetadata") || request.url.endsWith("/metadata") ? "metadata" : request.method === "DELETE" ? "delete" : request.range ? "media (ranged)" : "media"}`;
        acsCounts.set(kind, (acsCounts.get(kind) ?? 0) + 1);
      }
      const n = recordings * chunks;
      const lines = [
        `${n} chunks of ${size} bytes (${chunks} per recording), one at a time${values.index === true ? ", participant index on" : ""}; ${drained.completed} archived, ${drained.failedDeliveries} failed deliveries`,
        `worker CPU per chunk: ${((after.cpuMicros - before.cpuMicros) / 1000 / n).toFixed(1)} ms; wall time per chunk: ${((drained.seconds * 1000) / n).toFixed(1)} ms`,
        `Azurite CPU per chunk: ${(azuriteMs / n).toFixed(1)} ms; simulator, proxy and listener CPU per chunk: ${((own.user + own.system) / 1000 / n).toFixed(1)} ms`,
        "",
        "| requests per chunk | count |",
        "|---|---|",
        ...[...storageCounts.entries()]
          .sort()
          .map(([kind, count]) => `| Storage: ${kind} | ${(count / n).toFixed(2)} |`),
        `| **Storage, all** | **${([...storageCounts.values()].reduce((a, b) => a + b, 0) / n).toFixed(2)}** |`,
        ...[...acsCounts.entries()].sort().map(([kind, count]) => `| ACS: ${kind} | ${(count / n).toFixed(2)} |`),
        `| **ACS, all** | **${([...acsCounts.values()].reduce((a, b) => a + b, 0) / n).toFixed(2)}** |`,
      ];
      if (drained.errors.length > 0) lines.push("", "errors:", ...drained.errors);
      console.log(lines.join("\n"));
    } finally {
      await worker.stop();
    }
  } finally {
    await sim.close();
    await counter.close();
    await azurite.stop();
  }
}

/** Intake of `recordings` recordings of `chunks` chunks each (expected records, deadline markers, queue messages). */
function feed(rig: QueueRig, label: string, recordings: number, chunks: number, size: number): Promise<void> {
  return rig.enqueue(
    Array.from({ length: recordings }, (_, r) => ({
      callId: `${label}-call-${r}`,
      chunks: Array.from({ length: chunks }, (_, c) => ({
        documentId: `${label}-${r}-${c}`,
        size,
        format: "mp3" as const,
      })),
    })),
  );
}

main().catch((error: unknown) => {
  if (error instanceof CommandLineError) console.error(error.message);
  else console.error(error instanceof Error ? error.stack : String(error));
  process.exit(error instanceof CommandLineError ? 2 : 1);
});
