/**
 * Simulator timing benchmark: how closely the ACS simulator keeps its timed faults (timing belongs here,
 * not in tests, which must pass on a busy machine).
 *
 *   npm run bench:sim        (= npm run build && node dist/bench/simulatorBench.js)
 *
 * Measures, with BENCH_RUNS runs each (default 3): a 2 MiB body capped at 4 MiB/s (expected 0.5 s) and a
 * 400 ms stall before the body of a 1 MiB document. Prints one line per measure with the median.
 */
import { performance } from "node:perf_hooks";
import { AcsClients } from "../src/acs/acsClients";
import type { AcsRecordingClient } from "../src/acs/acsRecordingClient";
import { parseConfig } from "../src/config/appConfig";
import { startAcsSimulator, type AcsSimulator, type FaultSpec } from "../tools/acsSimulator";

const RUNS = Math.max(1, Number(process.env["BENCH_RUNS"] ?? "3") || 3);
const MIB = 1024 * 1024;

/** Seconds to read the whole media of a fresh document with one fault, through the simulator's storage host. */
async function timedGet(
  sim: AcsSimulator,
  acs: AcsRecordingClient,
  id: string,
  size: number,
  fault: FaultSpec,
): Promise<number> {
  sim.addDocument(id, { size, faults: [fault] });
  const started = performance.now();
  const response = await acs.get(sim.urls(id).contentLocation, { field: "contentLocation" });
  let received = 0;
  for await (const piece of response.body as AsyncIterable<Buffer>) received += piece.length;
  if (response.status !== 200 || received !== size) throw new Error(`${id}: ${response.status}, ${received} bytes`);
  return (performance.now() - started) / 1000;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

async function main(): Promise<void> {
  const sim = await startAcsSimulator();
  const config = parseConfig({
    AzureWebJobsStorage: "UseDevelopmentStorage=true",
    ACS_CONNECTION_STRING: sim.connectionString,
    ALLOWED_DOWNLOAD_HOSTS: sim.allowedHosts.join(","),
  });
  const acs = new AcsClients(config.acsResources, config.downloadHosts).forResource("", console);
  try {
    const bandwidth: number[] = [];
    const stall: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      bandwidth.push(
        await timedGet(sim, acs, `bench-bandwidth-${run}`, 2 * MIB, { kind: "bandwidth", bytesPerSecond: 4 * MIB }),
      );
      stall.push(await timedGet(sim, acs, `bench-stall-${run}`, MIB, { kind: "stall", stallMs: 400 }));
    }
    console.log(
      `bandwidth cap: 2 MiB at 4 MiB/s, expected 0.50 s, median ${median(bandwidth).toFixed(3)} s (runs: ${bandwidth.map((s) => s.toFixed(3)).join(", ")})`,
    );
    console.log(
      `stall: 400 ms before a 1 MiB body, median ${median(stall).toFixed(3)} s (runs: ${stall.map((s) => s.toFixed(3)).join(", ")})`,
    );
  } finally {
    await sim.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
