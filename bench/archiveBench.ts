/**
 * `npm run bench`: archiver throughput and memory against the single-stream baseline and the limit of
 * this setup, on loopback with Azurite and the ACS simulator started here. `--quick` keeps 64 MiB only.
 */
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join, resolve } from "node:path";
import { BlobServiceClient } from "@azure/storage-blob";
import { parseConfig } from "../src/config/appConfig";
import { readEnvelope } from "../src/events/eventEnvelope";
import { chunkMessagesFromEvent } from "../src/events/recordingEvent";
import { startAzurite } from "../tools/azurite";
import { startAcsSimulator, type AcsSimulator } from "../tools/acsSimulator";
import type { BenchJob, BenchMeasurement, BenchMode } from "./benchJob";
import { markdownTable, type BenchCell } from "./benchReport";

const MIB = 1024 * 1024;
const root = resolve(__dirname, "..", "..");

function flag(name: string): string | undefined {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1] : undefined;
}

function runWorker(job: BenchJob): Promise<BenchMeasurement> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [join(__dirname, "benchWorker.js")], { env: { ...process.env, BENCH_JOB: JSON.stringify(job) }, stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (piece: Buffer) => (out += piece.toString()));
    child.once("exit", (code) => (code === 0 ? done(JSON.parse(out.trim().split("\n").pop() as string) as BenchMeasurement) : fail(new Error(`${job.mode} worker exited ${code}`))));
  });
}

async function main(): Promise<void> {
  const quick = process.argv.includes("--quick");
  const sizes = (flag("sizes") ?? (quick ? "64" : "64,512,1536")).split(",").map((mib) => Number(mib) * MIB);
  const capMiBps = Number(flag("cap") ?? 16);
  const runs = Number(flag("runs") ?? 3);
  const azurite = await startAzurite();
  const sim = await startAcsSimulator();
  const blobs = BlobServiceClient.fromConnectionString(azurite.connectionString);
  const config = parseConfig({ AzureWebJobsStorage: azurite.connectionString, ACS_CONNECTION_STRING: sim.connectionString, ALLOWED_DOWNLOAD_HOSTS: sim.allowedHosts.join(",") });
  const cells: BenchCell[] = [];
  let sequence = 0;
  const measure = async (sim: AcsSimulator, mode: BenchMode, documentId: string, size: number): Promise<BenchMeasurement> => {
    const envelope = readEnvelope(sim.recordingEvent({ callId: `bench-${documentId}`, chunks: [{ documentId, size }] }));
    const [message] = chunkMessagesFromEvent(envelope!, config);
    const container = `bench-${process.pid}-${++sequence}`;
    try {
      return await runWorker({
        mode,
        storage: azurite.connectionString,
        acsConnectionString: sim.connectionString,
        allowedHosts: sim.allowedHosts.join(","),
        container,
        message: message!,
        size,
        blockSize: config.downloadBlockSize,
        concurrency: config.downloadConcurrency,
      });
    } finally {
      await blobs.getContainerClient(container).deleteIfExists();
    }
  };
  const best = async (mode: BenchMode, documentId: string, size: number): Promise<BenchMeasurement> => {
    const results: BenchMeasurement[] = [];
    for (let run = 0; run < runs; run++) results.push(await measure(sim, mode, documentId, size));
    const fastest = results.reduce((a, b) => (a.seconds <= b.seconds ? a : b));
    return { ...fastest, maxRssBytes: Math.max(...results.map((result) => result.maxRssBytes)) };
  };
  try {
    for (const profile of ["uncapped", "capped"] as const) {
      const faults = profile === "capped" ? [{ kind: "bandwidth" as const, bytesPerSecond: capMiBps * MIB }] : [];
      sim.addDocument(`warmup-${profile}`, { size: 64 * MIB, faults });
      for (const mode of ["limitSource", "limitSink", "baseline", "ours"] as const) await measure(sim, mode, `warmup-${profile}`, 64 * MIB);
      for (const size of sizes) {
        const documentId = `bench-${profile}-${size / MIB}mib`;
        sim.addDocument(documentId, { size, faults });
        const cell: Partial<Record<BenchMode, BenchMeasurement>> = {};
        for (const mode of ["limitSource", "limitSink", "baseline", "ours"] as const) {
          cell[mode] = await best(mode, documentId, size);
          console.error(`${profile} ${size / MIB} MiB ${mode}: ${(cell[mode]!.bytes / MIB / cell[mode]!.seconds).toFixed(1)} MiB/s, peak RSS ${(cell[mode]!.maxRssBytes / MIB).toFixed(0)} MiB`);
        }
        cells.push({ profile, sizeBytes: size, capMiBps: profile === "capped" ? capMiBps : undefined, ...(cell as Record<BenchMode, BenchMeasurement>) });
      }
    }
  } finally {
    await sim.close();
    await azurite.stop();
  }
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? "CPU"}, ${(totalmem() / 1024 ** 3).toFixed(0)} GiB, Node ${process.version}`;
  const report = { date: new Date().toISOString(), machine, runsPerCell: runs, blockSize: config.downloadBlockSize, concurrency: config.downloadConcurrency, cells };
  mkdirSync(join(root, "bench", "results"), { recursive: true });
  writeFileSync(join(root, "bench", "results", "latest.json"), `${JSON.stringify(report, null, 2)}\n`);
  const table = markdownTable(report);
  writeFileSync(join(root, "bench", "results", "latest.md"), table);
  console.log(table);
  if (!quick && !process.argv.includes("--no-intake")) execFileSync(process.execPath, [join(__dirname, "intakeBench.js")], { stdio: "inherit" });
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : String(error));
  process.exit(1);
});
