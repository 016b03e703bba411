import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { AcsSimulator } from "../tools/acsSimulator";
import { Prng } from "../tools/soak/prng";
import { queueListenerSettings } from "./hostQueueListener";
import {
  burstRecordings,
  rate,
  runBurst,
  withConcurrency,
  type BurstMeasurement,
  type BurstRecording,
  type BurstVariant,
} from "./queueBurst";

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;

export interface QueueCellOptions {
  readonly root: string;
  readonly recordings: number;
  readonly runs: number;
  readonly capBytesPerSecond: number;
  /** Videos in the mixed burst (0: no mixed burst). */
  readonly videos: number;
  readonly videoSize: number;
  /** ARCHIVE_MEMORY_BUDGET of the mixed burst's second run (one that the burst's demand exceeds). */
  readonly tightBudget: string;
  /** Another built checkout whose app is measured instead of this one's (to compare before and after a change). */
  readonly appRoot?: string;
}

export interface QueueCells {
  readonly hostJson: { readonly batchSize: number; readonly newBatchThreshold: number };
  readonly small: readonly BurstMeasurement[];
  readonly mixed: readonly BurstMeasurement[];
}

/** The host's defaults when host.json says nothing: batchSize 16, newBatchThreshold 8 (24 in flight). */
const HOST_DEFAULT = { batchSize: 16, newBatchThreshold: 8 };

/**
 * The common case, side by side in one run: a burst of one-chunk recordings of 0.5–3 MiB drained through the app's
 * registered queue function with the project's host.json concurrency, the peers' approach at the same concurrency
 * and at the host's default, and the app at the host's default; best of `runs` by chunks/s, the variants taking turns.
 * Then a mixed burst (the same small recordings and a few large videos) with the default memory budget and with a
 * budget the burst's demand exceeds, for peak RSS.
 */
export async function queueCells(sim: AcsSimulator, options: QueueCellOptions): Promise<QueueCells> {
  const project = queueListenerSettings(readFileSync(join(options.appRoot ?? options.root, "host.json"), "utf8"));
  const hostDefault = withConcurrency(project, HOST_DEFAULT.batchSize, HOST_DEFAULT.newBatchThreshold);
  const projectLabel = `host.json ${project.batchSize} + ${project.newBatchThreshold}`;
  const variants: BurstVariant[] = [
    { label: `this app, ${projectLabel}`, handler: "app", listener: project },
    { label: `peers, ${projectLabel}`, handler: "peers", listener: project },
    { label: "peers, host default 16 + 8", handler: "peers", listener: hostDefault },
    { label: "this app, host default 16 + 8", handler: "app", listener: hostDefault },
  ];
  const random = new Prng(1717).derive("sizes");
  const sizes = burstRecordings("sizes", options.recordings, MIB / 2, 3 * MIB, () => random.next());
  const results = new Map<string, BurstMeasurement[]>(variants.map((variant) => [variant.label, []]));
  for (let run = 0; run < options.runs; run++) {
    for (const [v, variant] of variants.entries()) {
      const recordings = sizes.map((recording, i) => ({ ...recording, documentId: `small-r${run}-v${v}-${i}` }));
      const measured = await runBurst(sim, variant, recordings, {
        capBytesPerSecond: options.capBytesPerSecond,
        ...appRoot(options, variant),
      });
      console.error(describe(measured));
      results.get(variant.label)?.push(measured);
    }
  }
  const small = variants.map((variant) => fastest(results.get(variant.label) ?? []));
  const mixed: BurstMeasurement[] = [];
  if (options.videos > 0) {
    for (const [b, budget] of [undefined, options.tightBudget].entries()) {
      const recordings: BurstRecording[] = sizes.map((recording, i) => ({
        ...recording,
        documentId: `mixed-b${b}-${i}`,
      }));
      for (let video = 0; video < options.videos; video++) {
        recordings.splice(Math.floor((video * recordings.length) / options.videos / 2), 0, {
          documentId: `mixed-b${b}-video-${video}`,
          size: options.videoSize,
          format: "mp4",
        });
      }
      const variant: BurstVariant = {
        label: `this app, ${projectLabel}, ${options.recordings} audio + ${options.videos} × ${(options.videoSize / GIB).toFixed(1)} GiB video, ${budget ? `ARCHIVE_MEMORY_BUDGET ${budget}` : "default budget"}`,
        handler: "app",
        listener: project,
        ...(budget ? { settings: { ARCHIVE_MEMORY_BUDGET: budget } } : {}),
      };
      const measured = await runBurst(sim, variant, recordings, {
        capBytesPerSecond: options.capBytesPerSecond,
        onDisk: true,
        ...appRoot(options, variant),
      });
      console.error(describe(measured));
      mixed.push(measured);
    }
  }
  return { hostJson: { batchSize: project.batchSize, newBatchThreshold: project.newBatchThreshold }, small, mixed };
}

function appRoot(options: QueueCellOptions, variant: BurstVariant): { appRoot?: string } {
  return variant.handler === "app" && options.appRoot ? { appRoot: options.appRoot } : {};
}

function fastest(measurements: readonly BurstMeasurement[]): BurstMeasurement {
  return measurements.reduce((a, b) => (rate.chunksPerSecond(a) >= rate.chunksPerSecond(b) ? a : b));
}

function describe(m: BurstMeasurement): string {
  return (
    `${m.label}: ${m.chunks} chunks in ${m.seconds.toFixed(2)} s, ${rate.chunksPerSecond(m).toFixed(1)} chunks/s, ${rate.mibPerSecond(m).toFixed(1)} MiB/s, ` +
    `CPU ${m.cpuMsPerChunk.toFixed(1)} ms/chunk (Azurite ${m.azuriteCpuMsPerChunk.toFixed(1)}, simulator ${m.simulatorCpuMsPerChunk.toFixed(1)}), ` +
    `peak RSS ${(m.peakRssBytes / MIB).toFixed(0)} MiB, peak in flight ${m.peakInFlight}, load ${m.loadAverage.toFixed(1)}` +
    (m.failedDeliveries + m.poisoned > 0 ? `, ${m.failedDeliveries} failed deliveries, ${m.poisoned} poisoned` : "")
  );
}

/** The bench/README.md tables of the queue cells. */
export function queueTables(cells: QueueCells): string {
  const lines = [
    "| drained by | in flight | chunks/s | MiB/s | CPU per chunk (worker) | Azurite / simulator CPU per chunk | peak RSS | load |",
    "|---|---|---|---|---|---|---|---|",
  ];
  for (const m of cells.small) {
    lines.push(
      `| ${m.label} | ${m.inFlight} | ${rate.chunksPerSecond(m).toFixed(1)} | ${rate.mibPerSecond(m).toFixed(1)} | ${m.cpuMsPerChunk.toFixed(1)} ms | ` +
        `${m.azuriteCpuMsPerChunk.toFixed(1)} / ${m.simulatorCpuMsPerChunk.toFixed(1)} ms | ${(m.peakRssBytes / MIB).toFixed(0)} MiB | ${m.loadAverage.toFixed(1)} |`,
    );
  }
  if (cells.mixed.length > 0) {
    lines.push("", "| mixed burst | seconds | MiB/s | peak RSS | load |", "|---|---|---|---|---|");
    for (const m of cells.mixed) {
      lines.push(
        `| ${m.label} | ${m.seconds.toFixed(1)} | ${rate.mibPerSecond(m).toFixed(1)} | ${(m.peakRssBytes / MIB).toFixed(0)} MiB | ${m.loadAverage.toFixed(1)} |`,
      );
    }
  }
  return `${lines.join("\n")}\n`;
}
