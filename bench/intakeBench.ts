/**
 * Intake benchmark: how fast is a maximal (1 MiB) Event Grid delivery of RecordingFileStatusUpdated events
 * answered, against a real Azurite on this machine?
 *
 *   npm run bench:intake [-- --runs <n>]   (= npm run build && node dist/bench/intakeBench.js)
 *
 * Starts its own Azurite (in memory, free ports), builds a batch of realistic GA events that fills 1 MiB,
 * and measures two paths, each with one warm-up run and --runs timed runs (default BENCH_RUNS, else 3):
 *   - core:    RecordingIntake.receive(events) from the composition root (validate + fan out + enqueue);
 *   - webhook: the HTTP function's handler (read body, parse, validate, enqueue, answer), as registered.
 * Every run is checked: the queue must hold exactly one message per chunk afterwards.
 * Prints a Markdown table and writes bench/results/intake-latest.json.
 */
import { randomUUID } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { HttpRequest, HttpResponse, InvocationContext, type HttpHandler } from "@azure/functions";
import { QueueServiceClient, type QueueClient } from "@azure/storage-queue";
import { BlobServiceClient, type ContainerClient } from "@azure/storage-blob";
import type * as ServiceProvider from "../src/app/serviceProvider";
import type { AppServices } from "../src/app/services";
import type * as RecordingEventsWebhook from "../src/functions/recordingEventsWebhook";
import { CommandLineError, parseCommandLine } from "../src/shared/commandLine";
import { OPERATIONAL_PREFIXES } from "../src/archive/blobLayout";
import { mapConcurrent } from "../src/shared/mapConcurrent";
import type { Log } from "../src/shared/log";
import { startAzurite, type RunningAzurite } from "../tools/azurite";

const MIB = 1024 * 1024;
const USAGE = "Usage: npm run bench:intake [-- --runs <n>]   (default: BENCH_RUNS from the environment, else 3)";
const RUNS = runsFromCommandLine();
const DEADLINE_MS = 240_000;
const RESOURCE =
  "/subscriptions/2b0f1a3c-5d6e-4f70-8a9b-0c1d2e3f4a5b/resourceGroups/contoso-calls-rg/providers/Microsoft.Communication/communicationServices/contoso-calls";
const ACS_CONNECTION_STRING = `endpoint=https://contoso-calls.communication.azure.com/;accesskey=${Buffer.alloc(64, 3).toString("base64")}`;

/** Repository root, whether this runs compiled (dist/bench) or not (bench). */
const root = basename(dirname(__dirname)) === "dist" ? resolve(__dirname, "..", "..") : resolve(__dirname, "..");

// ------------------------------------------------------------------------------------------------
// A realistic GA event (sizes as in the published samples: base64 serverCallId/recordingId, GUIDs,
// three URLs on the ACS storage hosts).
// ------------------------------------------------------------------------------------------------

function hex(bytes: number): string {
  return randomUUID()
    .replace(/-/g, "")
    .repeat(Math.ceil((bytes * 2) / 32))
    .slice(0, bytes * 2);
}

function base64url(text: string): string {
  return Buffer.from(text).toString("base64url");
}

function chunk(index: number, last: boolean): Record<string, unknown> {
  const documentId = `0-eus-d${(index % 20) + 1}-${hex(16)}`;
  return {
    documentId,
    index,
    endReason: last ? "SessionEnded" : "ChunkMaximumSizeExceeded",
    contentLocation: `https://storage.asm.skype.com/v1/objects/${documentId}/content/video`,
    metadataLocation: `https://storage.asm.skype.com/v1/objects/${documentId}/content/acsmetadata`,
    deleteLocation: `https://us-storage.asm.skype.com/v1/objects/${documentId}`,
  };
}

/** Most recordings have one chunk; every 25th is long and has three. */
function recordingEvent(sequence: number): Record<string, unknown> {
  const chunkCount = sequence % 25 === 24 ? 3 : 1;
  const callId = randomUUID();
  const serverCallId = base64url(`https://api.flightproxy.skype.com/api/v2/cp/conv-euno-02-prod-akses.conv.skype.com/conv/${hex(11)}?i=10&e=${Date.now()}`);
  const recordingId = Buffer.from(JSON.stringify({ PlatformEndpointId: randomUUID(), ResourceSpecificId: randomUUID() })).toString("base64");
  const start = new Date(Date.UTC(2024, 4, 6, 7, 0, 0) + sequence * 1000);
  return {
    id: randomUUID(),
    topic: RESOURCE,
    subject: `/recording/call/${callId}/serverCallId/${serverCallId}/recordingId/${recordingId}`,
    data: {
      recordingStorageInfo: { recordingChunks: Array.from({ length: chunkCount }, (_, i) => chunk(i, i === chunkCount - 1)) },
      recordingStartTime: start.toISOString().replace("Z", "1234Z"),
      recordingDurationMs: 60_000 + (sequence % 3600) * 1000,
      sessionEndReason: "CallEnded",
      recordingContentType: sequence % 2 === 0 ? "AudioVideo" : "Audio",
      recordingChannelType: "Mixed",
      recordingFormatType: sequence % 2 === 0 ? "Mp4" : "Mp3",
    },
    eventType: "Microsoft.Communication.RecordingFileStatusUpdated",
    dataVersion: "1.0",
    metadataVersion: "1",
    eventTime: new Date(start.getTime() + 3_600_000).toISOString().replace("Z", "1234Z"),
  };
}

interface Batch {
  readonly body: string;
  readonly events: number;
  readonly chunks: number;
  readonly bytes: number;
  readonly averageEventBytes: number;
}

/** As many events as fit in Event Grid's 1 MiB maximum delivery (the JSON array, UTF-8). */
function oneMebibyteBatch(): Batch {
  const parts: string[] = [];
  let bytes = 2; // "[" and "]"
  let chunks = 0;
  for (let sequence = 0; ; sequence += 1) {
    const event = recordingEvent(sequence);
    const json = JSON.stringify(event);
    const added = Buffer.byteLength(json) + (parts.length > 0 ? 1 : 0);
    if (bytes + added > MIB) break;
    parts.push(json);
    bytes += added;
    chunks += (event["data"] as { recordingStorageInfo: { recordingChunks: unknown[] } }).recordingStorageInfo.recordingChunks.length;
  }
  const body = `[${parts.join(",")}]`;
  return { body, events: parts.length, chunks, bytes: Buffer.byteLength(body), averageEventBytes: Math.round(Buffer.byteLength(body) / parts.length) };
}

// ------------------------------------------------------------------------------------------------
// Measurement
// ------------------------------------------------------------------------------------------------

interface PathResult {
  readonly path: string;
  readonly warmUpMs: number;
  readonly runsMs: readonly number[];
  readonly bestMs: number;
  readonly medianMs: number;
  readonly eventsPerSecondBest: number;
  readonly messagesPerSecondBest: number;
  readonly eventsPerSecondMedian: number;
  readonly messagesPerSecondMedian: number;
}

const silentLog: Log & { lines: number } = {
  lines: 0,
  debug() {
    this.lines += 1;
  },
  info() {
    this.lines += 1;
  },
  warn() {
    this.lines += 1;
  },
  error() {
    this.lines += 1;
  },
};

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

async function queueLength(queue: QueueClient): Promise<number> {
  return (await queue.getProperties()).approximateMessagesCount ?? -1;
}

/** Removes intake's expected-chunk records, so that every run writes them afresh (as a first delivery does). */
async function clearCatalog(container: ContainerClient): Promise<void> {
  if (!(await container.exists())) return;
  const names: string[] = [];
  for await (const blob of container.listBlobsFlat({ prefix: OPERATIONAL_PREFIXES.catalog })) names.push(blob.name);
  await mapConcurrent(names, 16, (name) => container.deleteBlob(name));
}

async function measure(path: string, batch: Batch, queue: QueueClient, run: () => Promise<number>, catalog?: ContainerClient): Promise<PathResult> {
  const times: number[] = [];
  let warmUpMs = 0;
  for (let attempt = 0; attempt <= RUNS; attempt += 1) {
    if (await queue.exists()) await queue.clearMessages();
    if (catalog) await clearCatalog(catalog);
    const started = performance.now();
    const enqueued = await run();
    const elapsed = performance.now() - started;
    const length = await queueLength(queue);
    if (enqueued !== batch.chunks || length !== batch.chunks) {
      throw new Error(`${path}: expected ${batch.chunks} messages, intake reported ${enqueued} and the queue holds ${length}`);
    }
    if (attempt === 0) warmUpMs = elapsed;
    else times.push(elapsed);
    process.stderr.write(`  ${path} ${attempt === 0 ? "warm-up" : `run ${attempt}`}: ${elapsed.toFixed(0)} ms\n`);
  }
  const bestMs = Math.min(...times);
  const medianMs = median(times);
  return {
    path,
    warmUpMs: round(warmUpMs),
    runsMs: times.map(round),
    bestMs: round(bestMs),
    medianMs: round(medianMs),
    eventsPerSecondBest: Math.round((batch.events * 1000) / bestMs),
    messagesPerSecondBest: Math.round((batch.chunks * 1000) / bestMs),
    eventsPerSecondMedian: Math.round((batch.events * 1000) / medianMs),
    messagesPerSecondMedian: Math.round((batch.chunks * 1000) / medianMs),
  };
}

/** `--runs <n>` (default BENCH_RUNS, else 3); a bad command line ends the process with the usage (exit code 2). */
function runsFromCommandLine(): number {
  try {
    const text = parseCommandLine(process.argv.slice(2), { runs: { type: "string" } }, { usage: USAGE }).values.runs ?? process.env["BENCH_RUNS"] ?? "3";
    const runs = /^\d+$/.test(text) ? Number(text) : Number.NaN;
    if (!Number.isSafeInteger(runs) || runs < 1) throw new CommandLineError(`--runs must be a whole number of at least 1; got "${text}"`, USAGE);
    return runs;
  } catch (error) {
    if (!(error instanceof CommandLineError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return process.exit(2);
  }
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

/** Loads the app's function module the way the host would (settings in the environment first). */
function loadApp(settings: Record<string, string>): { services: AppServices; webhook: HttpHandler } {
  Object.assign(process.env, settings);
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded after the settings are in the environment
  const providerModule = require("../src/app/serviceProvider") as typeof ServiceProvider;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded after the settings are in the environment
  const webhookModule = require("../src/functions/recordingEventsWebhook") as typeof RecordingEventsWebhook;
  const services = providerModule.appServices();
  return { services, webhook: webhookModule.recordingEventsWebhook(() => services.intake) };
}

async function main(): Promise<void> {
  const deadline = setTimeout(() => {
    process.stderr.write(`Benchmark exceeded ${DEADLINE_MS / 1000} s; aborting.\n`);
    process.exit(2);
  }, DEADLINE_MS);
  deadline.unref();

  const batch = oneMebibyteBatch();
  process.stderr.write(`Batch: ${batch.events} events, ${batch.chunks} chunks, ${batch.bytes} bytes (avg ${batch.averageEventBytes} B/event)\n`);

  let azurite: RunningAzurite | undefined;
  try {
    const startedAzurite = performance.now();
    azurite = await startAzurite();
    process.stderr.write(`Azurite up in ${(performance.now() - startedAzurite).toFixed(0)} ms\n`);
    const queueName = "bench-recording-chunks";
    const { services, webhook } = loadApp({
      AzureWebJobsStorage: azurite.connectionString,
      ACS_CONNECTION_STRING,
      CHUNK_QUEUE: queueName,
      ALLOWED_ACS_RESOURCES: RESOURCE,
    });
    const queue = QueueServiceClient.fromConnectionString(azurite.connectionString).getQueueClient(queueName);
    const events = JSON.parse(batch.body) as unknown[];
    // Intake also writes one expected-chunks record per recording there (issue 10); cleared between runs.
    const recordings = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(services.config.recordingsContainer);

    const core = await measure(
      "core (RecordingIntake.receive)",
      batch,
      queue,
      async () => {
        const report = await services.intake.receive(events, "bench", silentLog);
        if (report.rejected.length > 0) throw new Error(`rejected: ${JSON.stringify(report.rejected[0])}`);
        return report.enqueued;
      },
      recordings,
    );

    const bodyBytes = Buffer.from(batch.body, "utf8");
    const http = await measure(
      "webhook (HTTP handler, 1 MiB body)",
      batch,
      queue,
      async () => {
        const request = new HttpRequest({
          method: "POST",
          url: "http://localhost:7071/api/recording-events?code=bench",
          headers: { "content-type": "application/json", "aeg-event-type": "Notification", "content-length": String(bodyBytes.length) },
          body: { bytes: bodyBytes },
        });
        const context = new InvocationContext({ functionName: "recordingEventsWebhook", invocationId: randomUUID(), logHandler: () => undefined });
        const response = new HttpResponse(await webhook(request, context));
        const text = await response.text();
        if (response.status !== 200) throw new Error(`webhook answered ${response.status}: ${text.slice(0, 300)}`);
        return (JSON.parse(text) as { enqueued: number }).enqueued;
      },
      recordings,
    );

    const results = {
      when: new Date().toISOString(),
      machine: {
        cpus: cpus().length,
        cpuModel: cpus()[0]?.model ?? "unknown",
        memoryGiB: Math.round(totalmem() / 1024 ** 3),
        node: process.version,
        platform: process.platform,
      },
      storage: "Azurite (in memory, child process on loopback)",
      runs: RUNS,
      batch: { bytes: batch.bytes, events: batch.events, chunks: batch.chunks, averageEventBytes: batch.averageEventBytes },
      eventGridAnswerWindowMs: 30_000,
      paths: [core, http],
    };

    const table = [
      `Intake benchmark: one 1 MiB Event Grid batch (${batch.events} RecordingFileStatusUpdated events, ${batch.chunks} chunks, ${batch.bytes} bytes), Azurite, ${results.machine.cpus} CPUs, Node ${process.version}`,
      "",
      "| path | warm-up | best of " + RUNS + " | median | events/s (best) | messages/s (best) | events/s (median) | messages/s (median) |",
      "|---|---:|---:|---:|---:|---:|---:|---:|",
      ...[core, http].map(
        (r) =>
          `| ${r.path} | ${(r.warmUpMs / 1000).toFixed(2)} s | ${(r.bestMs / 1000).toFixed(2)} s | ${(r.medianMs / 1000).toFixed(2)} s | ${r.eventsPerSecondBest} | ${r.messagesPerSecondBest} | ${r.eventsPerSecondMedian} | ${r.messagesPerSecondMedian} |`,
      ),
      "",
      `Event Grid waits 30 s for an answer; the webhook's median answer uses ${((http.medianMs / 30_000) * 100).toFixed(1)}% of that window.`,
    ].join("\n");
    process.stdout.write(`${table}\n`);

    const folder = join(root, "bench", "results");
    mkdirSync(folder, { recursive: true });
    const file = join(folder, "intake-latest.json");
    writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
    process.stderr.write(`Wrote ${file}\n`);
  } finally {
    await azurite?.stop();
    clearTimeout(deadline);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`Benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
