/**
 * `npm run bench`: archiver throughput and memory against the single-stream baseline and the limit of
 * this setup, on loopback with Azurite and the ACS simulator started here. See USAGE for the flags.
 */
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { join, resolve } from "node:path";
import { BlobServiceClient } from "@azure/storage-blob";
import { ExpectedRecords } from "../src/catalog/expectedRecords";
import { parseConfig } from "../src/config/appConfig";
import { readEnvelope } from "../src/events/eventEnvelope";
import { chunkMessagesFromEvent } from "../src/events/recordingEvent";
import { CommandLineError, parseCommandLine } from "../src/shared/commandLine";
import { startAzurite, type RunningAzurite } from "../tools/azurite";
import { startAcsSimulator, type AcsSimulator } from "../tools/acsSimulator";
import type { BenchJob, BenchMeasurement, BenchMode } from "./benchJob";
import { markdownTable, type BenchCell } from "./benchReport";
import { queueCells, queueTables, type QueueCells } from "./queueCells";

const MIB = 1024 * 1024;
const root = resolve(__dirname, "..", "..");

const USAGE = `Usage: npm run bench -- [options]
  --quick          64 MiB and the short recordings only (no mixed burst), and no intake benchmark afterwards
  --sizes <list>   chunk sizes in MiB, comma-separated (default 64,512,1536)
  --cap <MiB/s>    per-connection bandwidth of the capped profile (default 16)
  --networks <list> uncapped, capped or both (default uncapped,capped)
  --runs <n>       timed runs per cell (default 3)
  --no-intake      skip the intake benchmark (npm run bench:intake) at the end
  --queue-only     only the queue cells (small recordings, mixed burst), not the large chunks
  --no-queue       skip the queue cells
  --recordings <n> recordings in the small-recordings burst (default 120)
  --videos <n>     1.5 GiB videos in the mixed burst (default 3; 0 skips it)
  --tight-budget <size>  ARCHIVE_MEMORY_BUDGET of the mixed burst's second run (default 256MiB)
  --app <folder>   measure another built checkout's app in the queue cells (before/after a change)
  -h, --help       this text`;

const FLAGS = {
  quick: { type: "boolean" },
  sizes: { type: "string" },
  cap: { type: "string" },
  networks: { type: "string" },
  runs: { type: "string" },
  "no-intake": { type: "boolean" },
  "queue-only": { type: "boolean" },
  "no-queue": { type: "boolean" },
  recordings: { type: "string" },
  videos: { type: "string" },
  "tight-budget": { type: "string" },
  app: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

/** A whole number of at least 1, or the usage. */
function positive(flag: string, text: string): number {
  const value = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < 1)
    throw new CommandLineError(`${flag} must be a whole number of at least 1; got "${text}"`, USAGE);
  return value;
}

function runWorker(job: BenchJob): Promise<BenchMeasurement> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [join(__dirname, "benchWorker.js")], {
      env: { ...process.env, BENCH_JOB: JSON.stringify(job) },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (piece: Buffer) => (out += piece.toString()));
    child.once("exit", (code) =>
      code === 0
        ? done(JSON.parse(out.trim().split("\n").pop() as string) as BenchMeasurement)
        : fail(new Error(`${job.mode} worker exited ${code}`)),
    );
  });
}

async function main(): Promise<void> {
  const { values } = parseCommandLine(process.argv.slice(2), FLAGS, { usage: USAGE });
  if (values.help === true) return console.log(USAGE);
  const quick = values.quick === true;
  const sizes = (values.sizes ?? (quick ? "64" : "64,512,1536"))
    .split(",")
    .map((mib) => positive("--sizes", mib.trim()) * MIB);
  const capMiBps = positive("--cap", values.cap ?? "16");
  const runs = positive("--runs", values.runs ?? "3");
  const queueOnly = values["queue-only"] === true;
  const networks = (values.networks ?? "uncapped,capped").split(",").map((name) => {
    const profile = name.trim();
    if (profile !== "uncapped" && profile !== "capped")
      throw new CommandLineError(`--networks takes uncapped and/or capped; got "${profile}"`, USAGE);
    return profile;
  });
  const sim = await startAcsSimulator();
  const modes = ["limitSource", "limitSink", "baseline", "ours"] as const;
  const cells: BenchCell[] = [];
  let settings = { blockSize: 0, concurrency: 0 };
  let queue: QueueCells | undefined;
  try {
    for (const profile of queueOnly ? [] : networks) {
      const faults = profile === "capped" ? [{ kind: "bandwidth" as const, bytesPerSecond: capMiBps * MIB }] : [];
      sim.addDocument(`warmup-${profile}`, { size: 64 * MIB, faults });
      for (const size of sizes) {
        // A fresh Azurite per cell (on disk: gigabytes per cell would exhaust its in-memory store), and
        // the modes measured in turn, run after run: an Azurite filling up slows every mode alike.
        const bench = await BenchStorage.start(sim);
        settings = bench.settings;
        try {
          for (const mode of modes) await bench.measure(mode, `warmup-${profile}`, 64 * MIB);
          const documentId = `bench-${profile}-${size / MIB}mib`;
          sim.addDocument(documentId, { size, faults });
          const results = new Map<BenchMode, BenchMeasurement[]>(modes.map((mode) => [mode, []]));
          for (let run = 0; run < runs; run++) {
            for (const mode of modes) results.get(mode)?.push(await bench.measure(mode, documentId, size));
          }
          const cell = Object.fromEntries(modes.map((mode) => [mode, best(results.get(mode) ?? [])])) as Record<
            BenchMode,
            BenchMeasurement
          >;
          for (const mode of modes) {
            console.error(
              `${profile} ${size / MIB} MiB ${mode}: ${(cell[mode].bytes / MIB / cell[mode].seconds).toFixed(1)} MiB/s, peak RSS ${(cell[mode].maxRssBytes / MIB).toFixed(0)} MiB`,
            );
          }
          cells.push({
            profile,
            sizeBytes: size,
            capMiBps: profile === "capped" ? capMiBps : undefined,
            loadAverage: loadavg()[0] ?? 0,
            ...cell,
          });
        } finally {
          await bench.stop();
        }
      }
    }
    if (values["no-queue"] !== true) {
      queue = await queueCells(sim, {
        root,
        recordings: positive("--recordings", values.recordings ?? "120"),
        runs,
        capBytesPerSecond: capMiBps * MIB,
        videos: quick ? 0 : Number(values.videos ?? "3"),
        videoSize: 1536 * MIB,
        tightBudget: values["tight-budget"] ?? "256MiB",
        ...(values.app ? { appRoot: resolve(values.app) } : {}),
      });
    }
  } finally {
    await sim.close();
  }
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? "CPU"}, ${(totalmem() / 1024 ** 3).toFixed(0)} GiB, Node ${process.version}`;
  const date = new Date().toISOString();
  mkdirSync(join(root, "bench", "results"), { recursive: true });
  if (!queueOnly) {
    const report = {
      date,
      machine,
      runsPerCell: runs,
      blockSize: settings.blockSize,
      concurrency: settings.concurrency,
      cells,
    };
    writeFileSync(join(root, "bench", "results", "latest.json"), `${JSON.stringify(report, null, 2)}\n`);
    const table = markdownTable(report);
    writeFileSync(join(root, "bench", "results", "latest.md"), table);
    console.log(table);
  }
  if (queue) {
    writeFileSync(
      join(root, "bench", "results", "queue-latest.json"),
      `${JSON.stringify({ date, machine, runsPerCell: runs, ...queue }, null, 2)}\n`,
    );
    const tables = `Queue benchmark ${date.slice(0, 10)} on ${machine}; best of ${runs} by chunks/s.\n\n${queueTables(queue)}`;
    writeFileSync(join(root, "bench", "results", "queue-latest.md"), tables);
    console.log(tables);
  }
  if (!quick && !queueOnly && values["no-intake"] !== true)
    execFileSync(process.execPath, [join(__dirname, "intakeBench.js")], { stdio: "inherit" });
}

/** Fastest run, with the highest peak RSS seen in any run. */
function best(results: readonly BenchMeasurement[]): BenchMeasurement {
  const fastest = results.reduce((a, b) => (a.seconds <= b.seconds ? a : b));
  return { ...fastest, maxRssBytes: Math.max(...results.map((result) => result.maxRssBytes)) };
}

/** One Azurite on disk, and measurements against it, each in a fresh container deleted afterwards. */
class BenchStorage {
  private sequence = 0;

  private constructor(
    private readonly sim: AcsSimulator,
    private readonly azurite: RunningAzurite,
    private readonly location: string,
    readonly settings: { blockSize: number; concurrency: number },
    private readonly config: ReturnType<typeof parseConfig>,
  ) {}

  static async start(sim: AcsSimulator): Promise<BenchStorage> {
    const location = mkdtempSync(join(tmpdir(), "bench-azurite-"));
    const azurite = await startAzurite({ location });
    const config = parseConfig({
      AzureWebJobsStorage: azurite.connectionString,
      ACS_CONNECTION_STRING: sim.connectionString,
      ALLOWED_DOWNLOAD_HOSTS: sim.allowedHosts.join(","),
    });
    return new BenchStorage(
      sim,
      azurite,
      location,
      { blockSize: config.downloadBlockSize, concurrency: config.downloadConcurrency },
      config,
    );
  }

  async measure(mode: BenchMode, documentId: string, size: number): Promise<BenchMeasurement> {
    const envelope = readEnvelope(
      this.sim.recordingEvent({ callId: `bench-${documentId}`, chunks: [{ documentId, size }] }),
    );
    const [message] = chunkMessagesFromEvent(envelope!, this.config);
    const container = `bench-${process.pid}-${++this.sequence}`;
    const blobs = BlobServiceClient.fromConnectionString(this.azurite.connectionString).getContainerClient(container);
    try {
      // As in the app, intake's record of the recording exists before its message is queued (not timed).
      if (mode === "ours") await new ExpectedRecords(blobs).write([message!]);
      return await runWorker({
        mode,
        storage: this.azurite.connectionString,
        acsConnectionString: this.sim.connectionString,
        allowedHosts: this.sim.allowedHosts.join(","),
        container,
        message: message!,
        size,
        ...this.settings,
      });
    } finally {
      await blobs.deleteIfExists();
    }
  }

  async stop(): Promise<void> {
    await this.azurite.stop();
    rmSync(this.location, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  if (error instanceof CommandLineError) console.error(error.message);
  else console.error(error instanceof Error ? error.stack : String(error));
  process.exit(error instanceof CommandLineError ? 2 : 1);
});
