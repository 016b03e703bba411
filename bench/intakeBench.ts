/**
 * Intake benchmark: how fast is a maximal (1 MiB) Event Grid delivery of RecordingFileStatusUpdated events
 * answered, against a real Azurite on this machine, and how many Storage calls does it cost?
 *
 *   npm run bench:intake [-- --runs <n>]   (= npm run build && node dist/bench/intakeBench.js; BENCH_TRACE=1 shows stalls)
 *
 * Starts its own Azurite (in memory, free ports) and measures, each with one warm-up run and --runs timed runs
 * (default BENCH_RUNS, else 3):
 *   - core:       RecordingIntake.receive(events) from the composition root, a realistic 1 MiB batch of GA events;
 *   - webhook:    the HTTP function's handler (read body, parse, validate, enqueue, answer), the same batch;
 *   - redelivery: the same batch through the webhook again (Event Grid's retry): nothing may be sent again;
 *   - worst case: a 1 MiB delivery of valid events AT the default bounds (INTAKE_MAX_RECORDINGS_PER_DELIVERY
 *                 recordings, INTAKE_MAX_CHUNKS_PER_DELIVERY chunks), through the webhook;
 *   - over the bounds: a 1 MiB delivery of ~28,000 valid chunks (the review's flood): refused whole with 413.
 * Every run is checked (queue length, answer). Storage calls are counted from the HTTP client's diagnostics channel
 * (every request to Azurite, by kind). Prints a Markdown table and writes bench/results/intake-latest.json.
 */
import { randomUUID } from "node:crypto";
import { subscribe } from "node:diagnostics_channel";
import type { ClientRequest } from "node:http";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { HttpRequest, HttpResponse, InvocationContext, type HttpHandler } from "@azure/functions";
import { QueueServiceClient, type QueueClient } from "@azure/storage-queue";
import { BlobServiceClient, type ContainerClient } from "@azure/storage-blob";
import type * as ServiceProvider from "../src/app/serviceProvider";
import type { AppServices } from "../src/app/services";
import type * as RecordingEventsWebhook from "../src/functions/recordingEventsWebhook";
import { DEFAULT_INTAKE_LIMITS } from "../src/config/intakeLimits";
import { triageEvents } from "../src/intake/eventTriage";
import { CommandLineError, parseCommandLine } from "../src/shared/commandLine";
import { OPERATIONAL_PREFIXES } from "../src/layout/blobLayout";
import { mapConcurrent } from "../src/shared/mapConcurrent";
import type { Log } from "../src/shared/log";
import { startAzurite, type RunningAzurite } from "../tools/azurite";

const MIB = 1024 * 1024;
const USAGE = "Usage: npm run bench:intake [-- --runs <n>]   (default: BENCH_RUNS from the environment, else 3)";
const RUNS = runsFromCommandLine();
const DEADLINE_MS = 900_000;
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
  const serverCallId = base64url(
    `https://api.flightproxy.skype.com/api/v2/cp/conv-euno-02-prod-akses.conv.skype.com/conv/${hex(11)}?i=10&e=${Date.now()}`,
  );
  const recordingId = Buffer.from(
    JSON.stringify({ PlatformEndpointId: randomUUID(), ResourceSpecificId: randomUUID() }),
  ).toString("base64");
  const start = new Date(Date.UTC(2024, 4, 6, 7, 0, 0) + sequence * 1000);
  return {
    id: randomUUID(),
    topic: RESOURCE,
    subject: `/recording/call/${callId}/serverCallId/${serverCallId}/recordingId/${recordingId}`,
    data: {
      recordingStorageInfo: {
        recordingChunks: Array.from({ length: chunkCount }, (_, i) => chunk(i, i === chunkCount - 1)),
      },
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
    chunks += (event["data"] as { recordingStorageInfo: { recordingChunks: unknown[] } }).recordingStorageInfo
      .recordingChunks.length;
  }
  const body = `[${parts.join(",")}]`;
  return {
    body,
    events: parts.length,
    chunks,
    bytes: Buffer.byteLength(body),
    averageEventBytes: Math.round(Buffer.byteLength(body) / parts.length),
  };
}

/**
 * A delivery of valid events exactly at the default bounds, as large as fits in 1 MiB: INTAKE_MAX_RECORDINGS_PER_DELIVERY
 * recordings sharing INTAKE_MAX_CHUNKS_PER_DELIVERY chunks, each chunk with a contentLocation and metadataLocation
 * (three URL checks' worth of validation each, the costliest part), ids as short as keep it within 1 MiB.
 */
function atTheBoundsBatch(): Batch {
  const recordings = DEFAULT_INTAKE_LIMITS.maxRecordings;
  const perRecording = Math.floor(DEFAULT_INTAKE_LIMITS.maxChunks / recordings);
  const events = Array.from({ length: recordings }, (_, sequence) => {
    const call = randomUUID();
    const chunks = Array.from({ length: perRecording }, (_, index) => {
      const documentId = `0-eus-d1-${hex(8)}`;
      return {
        documentId,
        index,
        contentLocation: `https://storage.asm.skype.com/v1/objects/${documentId}/content/video`,
        metadataLocation: `https://storage.asm.skype.com/v1/objects/${documentId}/content/acsmetadata`,
      };
    });
    return {
      id: randomUUID(),
      topic: RESOURCE,
      subject: `/recording/call/${call}/recordingId/r${sequence}`,
      data: { recordingStorageInfo: { recordingChunks: chunks }, recordingStartTime: "2024-05-06T07:00:00Z" },
      eventType: "Microsoft.Communication.RecordingFileStatusUpdated",
      eventTime: "2024-05-06T08:00:00Z",
    };
  });
  const body = JSON.stringify(events);
  const bytes = Buffer.byteLength(body);
  if (bytes > MIB) throw new Error(`the at-the-bounds batch is ${bytes} bytes, over 1 MiB`);
  return {
    body,
    events: events.length,
    chunks: recordings * perRecording,
    bytes,
    averageEventBytes: Math.round(bytes / events.length),
  };
}

/** The review's flood: 1 MiB of valid events of 1,000 minimal chunks each (about 28,000 chunks), far over the chunk bound. */
function floodBatch(): Batch {
  const events: unknown[] = [];
  let chunks = 0;
  for (;;) {
    const event = {
      id: randomUUID(),
      topic: RESOURCE,
      subject: `/recording/call/${randomUUID()}`,
      data: {
        recordingStorageInfo: {
          recordingChunks: Array.from({ length: 1_000 }, (_, index) => ({ documentId: `0-eus-d1-${hex(4)}`, index })),
        },
      },
      eventType: "Microsoft.Communication.RecordingFileStatusUpdated",
      eventTime: "2024-05-06T08:00:00Z",
    };
    if (Buffer.byteLength(JSON.stringify([...events, event])) > MIB) break;
    events.push(event);
    chunks += 1_000;
  }
  const body = JSON.stringify(events);
  return {
    body,
    events: events.length,
    chunks,
    bytes: Buffer.byteLength(body),
    averageEventBytes: Math.round(Buffer.byteLength(body) / events.length),
  };
}

// ------------------------------------------------------------------------------------------------
// Storage calls, counted from the HTTP client's diagnostics channel (every request this process makes to Azurite)
// ------------------------------------------------------------------------------------------------

interface StorageCalls {
  queueSends: number;
  blobWrites: number;
  listings: number;
  other: number;
  total: number;
}

const calls: StorageCalls = { queueSends: 0, blobWrites: 0, listings: 0, other: 0, total: 0 };
let counting = false;

subscribe("http.client.request.start", (message) => {
  if (!counting) return;
  const request = (message as { request: ClientRequest }).request;
  const path = request.path;
  calls.total += 1;
  if (request.method === "POST" && /\/messages(\?|$)/.test(path)) calls.queueSends += 1;
  else if (request.method === "PUT" && !/[?&]restype=/.test(path)) calls.blobWrites += 1;
  else if (request.method === "GET" && /[?&]comp=list/.test(path)) calls.listings += 1;
  else calls.other += 1;
});

// BENCH_TRACE=1: every second of a run without a new Storage call, say what is in flight (to tell a stalled
// Storage answer from a stalled intake).
const inFlight = new Map<ClientRequest, { started: number; what: string }>();
let lastStart = 0;
if (process.env["BENCH_TRACE"]) {
  subscribe("http.client.request.start", (message) => {
    if (!counting) return;
    const request = (message as { request: ClientRequest }).request;
    lastStart = performance.now();
    inFlight.set(request, { started: lastStart, what: `${request.method} ${request.path.slice(0, 90)}` });
  });
  subscribe("http.client.response.finish", (message) => {
    inFlight.delete((message as { request: ClientRequest }).request);
  });
  setInterval(() => {
    if (!counting || performance.now() - lastStart < 1_000) return;
    const oldest = [...inFlight.values()].sort((a, b) => a.started - b.started).slice(0, 3);
    process.stderr.write(
      `    idle ${((performance.now() - lastStart) / 1000).toFixed(1)} s after ${calls.total} calls; in flight ${inFlight.size}: ${oldest.map((o) => `${o.what} (${((performance.now() - o.started) / 1000).toFixed(1)} s)`).join("; ")}\n`,
    );
  }, 1_000).unref();
}

function countCalls<T>(work: () => Promise<T>): Promise<{ value: T; calls: StorageCalls }> {
  for (const key of Object.keys(calls) as (keyof StorageCalls)[]) calls[key] = 0;
  counting = true;
  return work().then(
    (value) => {
      counting = false;
      return { value, calls: { ...calls } };
    },
    (error: unknown) => {
      counting = false;
      throw error;
    },
  );
}

// ------------------------------------------------------------------------------------------------
// Measurement
// ------------------------------------------------------------------------------------------------

interface PathResult {
  readonly path: string;
  readonly batch: { readonly bytes: number; readonly events: number; readonly chunks: number };
  /** Messages each run must leave on the queue, and the answer it must give. */
  readonly expectMessages: number;
  readonly status: number;
  /** Storage calls of the last timed run that was answered as expected, by kind. */
  readonly storageCalls: StorageCalls;
  /** Timed runs answered 503 because Azurite did not take the writes within the 20 s intake deadline. */
  readonly missedDeadline: number;
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
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
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

interface Cell {
  readonly path: string;
  readonly batch: Batch;
  /** Answer status every run must give, and messages it must leave on the queue. */
  readonly status: number;
  readonly expectMessages: number;
  /** Untimed, before each run (after the queue and catalog are cleared): e.g. the first delivery of a redelivery. */
  readonly prepare?: () => Promise<void>;
  /** One timed run: returns the answer's status. */
  readonly run: () => Promise<number>;
}

async function measure(cell: Cell, queue: QueueClient, catalog: ContainerClient): Promise<PathResult> {
  const times: number[] = [];
  let warmUpMs = 0;
  let lastCalls: StorageCalls = { queueSends: 0, blobWrites: 0, listings: 0, other: 0, total: 0 };
  let missedDeadline = 0;
  for (let attempt = 0; attempt <= RUNS; attempt += 1) {
    if (await queue.exists()) await queue.clearMessages();
    await clearCatalog(catalog);
    if (cell.prepare) {
      await cell.prepare();
      await queue.clearMessages();
    }
    const started = performance.now();
    const { value: status, calls: counted } = await countCalls(cell.run);
    const elapsed = performance.now() - started;
    const length = await queueLength(queue);
    // A busy machine can make Azurite miss the intake deadline: the answer is 503 (Event Grid retries). Counted and
    // kept in the times (at least the deadline), never taken for a result; anything else unexpected ends the bench.
    const missed = status === 503;
    if (!missed && (status !== cell.status || length !== cell.expectMessages)) {
      throw new Error(
        `${cell.path}: expected ${cell.status} and ${cell.expectMessages} messages, got ${status} and the queue holds ${length}`,
      );
    }
    if (!missed) lastCalls = counted;
    if (attempt === 0) warmUpMs = elapsed;
    else {
      times.push(elapsed);
      if (missed) missedDeadline += 1;
    }
    process.stderr.write(
      `  ${cell.path} ${attempt === 0 ? "warm-up" : `run ${attempt}`}: ${elapsed.toFixed(0)} ms, ${counted.total} Storage calls${missed ? ", 503 (deadline missed)" : ""}\n`,
    );
  }
  const bestMs = Math.min(...times);
  const medianMs = median(times);
  const { batch } = cell;
  return {
    path: cell.path,
    batch: { bytes: batch.bytes, events: batch.events, chunks: batch.chunks },
    expectMessages: cell.expectMessages,
    status: cell.status,
    storageCalls: lastCalls,
    missedDeadline,
    warmUpMs: round(warmUpMs),
    runsMs: times.map(round),
    bestMs: round(bestMs),
    medianMs: round(medianMs),
    eventsPerSecondBest: Math.round((batch.events * 1000) / bestMs),
    messagesPerSecondBest: Math.round((cell.expectMessages * 1000) / bestMs),
    eventsPerSecondMedian: Math.round((batch.events * 1000) / medianMs),
    messagesPerSecondMedian: Math.round((cell.expectMessages * 1000) / medianMs),
  };
}

/**
 * What this Azurite takes right now, alone: 1,500 small writes (queue messages and If-None-Match blob uploads, half
 * each) at intake's concurrency (32). Intake's times are about its Storage calls divided by this rate, so a busy
 * machine shows up here, and the numbers above can be read against it.
 */
async function azuriteOpsPerSecond(connectionString: string): Promise<number> {
  const container = BlobServiceClient.fromConnectionString(connectionString).getContainerClient("bench-probe");
  const queue = QueueServiceClient.fromConnectionString(connectionString).getQueueClient("bench-probe");
  await Promise.all([container.createIfNotExists(), queue.createIfNotExists()]);
  const writes = 1_500;
  const round = randomUUID();
  const started = performance.now();
  await mapConcurrent(
    Array.from({ length: writes }, (_, i) => i),
    32,
    async (i) => {
      if (i % 2 === 0) await queue.sendMessage(Buffer.alloc(900, 0x61).toString("base64"));
      else
        await container.getBlockBlobClient(`${round}/${i}.json`).upload("{}", 2, { conditions: { ifNoneMatch: "*" } });
    },
  );
  const perSecond = Math.round((writes * 1000) / (performance.now() - started));
  await Promise.all([container.deleteIfExists(), queue.deleteIfExists()]);
  return perSecond;
}

/** The CPU time of validation alone (triage: every event, chunk and URL checked), median of `runs`. */
function validationMs(batch: Batch, policy: Parameters<typeof triageEvents>[1], runs: number): number {
  const events = JSON.parse(batch.body) as unknown[];
  const times: number[] = [];
  for (let run = 0; run <= runs; run += 1) {
    const started = performance.now();
    triageEvents(events, policy, "bench", silentLog);
    if (run > 0) times.push(performance.now() - started);
  }
  return round(median(times));
}

/** `--runs <n>` (default BENCH_RUNS, else 3); a bad command line ends the process with the usage (exit code 2). */
function runsFromCommandLine(): number {
  try {
    const text =
      parseCommandLine(process.argv.slice(2), { runs: { type: "string" } }, { usage: USAGE }).values.runs ??
      process.env["BENCH_RUNS"] ??
      "3";
    const runs = /^\d+$/.test(text) ? Number(text) : Number.NaN;
    if (!Number.isSafeInteger(runs) || runs < 1)
      throw new CommandLineError(`--runs must be a whole number of at least 1; got "${text}"`, USAGE);
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
  process.stderr.write(
    `Batch: ${batch.events} events, ${batch.chunks} chunks, ${batch.bytes} bytes (avg ${batch.averageEventBytes} B/event)\n`,
  );

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
    // Intake also writes one expected-chunks record per recording there, and one queued record per chunk; cleared between runs.
    const recordings = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(
      services.config.recordingsContainer,
    );
    const atBounds = atTheBoundsBatch();
    const flood = floodBatch();
    process.stderr.write(
      `At the bounds: ${atBounds.events} events, ${atBounds.chunks} chunks, ${atBounds.bytes} bytes; flood: ${flood.events} events, ${flood.chunks} chunks, ${flood.bytes} bytes\n`,
    );

    const postWebhook = async (body: string): Promise<{ status: number; enqueued: number }> => {
      const bytes = Buffer.from(body, "utf8");
      const request = new HttpRequest({
        method: "POST",
        url: "http://localhost:7071/api/recording-events?code=bench",
        headers: {
          "content-type": "application/json",
          "aeg-event-type": "Notification",
          "content-length": String(bytes.length),
        },
        body: { bytes },
      });
      const context = new InvocationContext({
        functionName: "recordingEventsWebhook",
        invocationId: randomUUID(),
        logHandler: () => undefined,
      });
      const response = new HttpResponse(await webhook(request, context));
      const text = await response.text();
      return {
        status: response.status,
        enqueued: response.status === 200 ? (JSON.parse(text) as { enqueued: number }).enqueued : 0,
      };
    };

    const cells: Cell[] = [
      {
        path: "core (RecordingIntake.receive), realistic 1 MiB",
        batch,
        status: 200,
        expectMessages: batch.chunks,
        run: async () => {
          try {
            const report = await services.intake.receive(events, "bench", silentLog);
            if (report.rejected.length > 0) throw new Error(`rejected: ${JSON.stringify(report.rejected[0])}`);
            return 200;
          } catch (error) {
            // What the webhook answers 503 for.
            if (error instanceof Error && error.name === "StorageUnavailableError") return 503;
            throw error;
          }
        },
      },
      {
        path: "webhook, realistic 1 MiB",
        batch,
        status: 200,
        expectMessages: batch.chunks,
        run: async () => (await postWebhook(batch.body)).status,
      },
      {
        path: "webhook, the same 1 MiB redelivered",
        batch,
        status: 200,
        expectMessages: 0,
        // The first delivery, untimed; answered 503 on a busy machine, it is retried as Event Grid would (idempotent).
        prepare: async () => {
          for (let attempt = 1; (await postWebhook(batch.body)).status !== 200; attempt += 1) {
            if (attempt >= 5) throw new Error("the first delivery was not taken in after 5 attempts");
          }
        },
        run: async () => (await postWebhook(batch.body)).status,
      },
      {
        path: `webhook, worst case at the bounds (${atBounds.events} recordings, ${atBounds.chunks} chunks)`,
        batch: atBounds,
        status: 200,
        expectMessages: atBounds.chunks,
        run: async () => (await postWebhook(atBounds.body)).status,
      },
      {
        path: `webhook, over the bounds (${flood.chunks} chunks): 413`,
        batch: flood,
        status: 413,
        expectMessages: 0,
        run: async () => (await postWebhook(flood.body)).status,
      },
    ];
    const azuriteBefore = await azuriteOpsPerSecond(azurite.connectionString);
    const measured: PathResult[] = [];
    for (const cell of cells) measured.push(await measure(cell, queue, recordings));
    const azuriteAfter = await azuriteOpsPerSecond(azurite.connectionString);
    const validation = {
      realisticMs: validationMs(batch, services.config, RUNS),
      atTheBoundsMs: validationMs(atBounds, services.config, RUNS),
    };

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
      azuriteWritesPerSecond: { before: azuriteBefore, after: azuriteAfter },
      loadAverage: loadavg().map((value) => Math.round(value * 10) / 10),
      runs: RUNS,
      bounds: DEFAULT_INTAKE_LIMITS,
      batch: {
        bytes: batch.bytes,
        events: batch.events,
        chunks: batch.chunks,
        averageEventBytes: batch.averageEventBytes,
      },
      validationCpuMs: validation,
      eventGridAnswerWindowMs: 30_000,
      paths: measured,
    };

    const table = [
      `Intake benchmark: Azurite, ${results.machine.cpus} CPUs, Node ${process.version}; bounds ${DEFAULT_INTAKE_LIMITS.maxEvents} events / ${DEFAULT_INTAKE_LIMITS.maxRecordings} recordings / ${DEFAULT_INTAKE_LIMITS.maxChunks} chunks per delivery`,
      "",
      `| delivery | events / chunks / bytes | answer | warm-up | best of ${RUNS} | median | runs past the deadline | Storage calls (sends / writes / listings / other) |`,
      "|---|---|---|---:|---:|---:|---:|---|",
      ...measured.map(
        (r) =>
          `| ${r.path} | ${r.batch.events} / ${r.batch.chunks} / ${r.batch.bytes} | ${r.status} | ${(r.warmUpMs / 1000).toFixed(2)} s | ${(r.bestMs / 1000).toFixed(2)} s | ${(r.medianMs / 1000).toFixed(2)} s | ${r.missedDeadline} | ${r.storageCalls.total} (${r.storageCalls.queueSends} / ${r.storageCalls.blobWrites} / ${r.storageCalls.listings} / ${r.storageCalls.other}) |`,
      ),
      "",
      `Validation alone (CPU, median): realistic 1 MiB ${validation.realisticMs} ms, worst case at the bounds ${validation.atTheBoundsMs} ms.`,
      `Azurite alone took ${azuriteBefore} small writes/s before and ${azuriteAfter} after (concurrency 32); load average ${results.loadAverage.join(" / ")}.`,
      `Event Grid waits 30 s for an answer; the slowest median above uses ${((Math.max(...measured.map((r) => r.medianMs)) / 30_000) * 100).toFixed(1)}% of that window.`,
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
  process.stderr.write(
    `Benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
