import type { BenchMeasurement, BenchMode } from "./benchJob";

const MIB = 1024 * 1024;

export type BenchCell = {
  readonly profile: "uncapped" | "capped";
  readonly sizeBytes: number;
  readonly capMiBps: number | undefined;
  /** The machine's 1-minute load average when the cell's runs ended (the machine is shared). */
  readonly loadAverage?: number;
} & Record<BenchMode, BenchMeasurement>;

export interface BenchReport {
  readonly date: string;
  readonly machine: string;
  readonly runsPerCell: number;
  readonly blockSize: number;
  readonly concurrency: number;
  readonly cells: readonly BenchCell[];
}

const rate = (measurement: BenchMeasurement): number => measurement.bytes / MIB / measurement.seconds;

/** The bench/README.md table: MiB/s of limit, baseline and ours, the ratios, and ours' peak RSS. */
export function markdownTable(report: BenchReport): string {
  const lines = [
    `Benchmark ${report.date.slice(0, 10)} on ${report.machine}; best of ${report.runsPerCell} after a warm-up;`,
    `DOWNLOAD_BLOCK_SIZE ${report.blockSize / MIB} MiB, DOWNLOAD_CONCURRENCY ${report.concurrency}.`,
    "",
    "| chunk | network | limit MiB/s (source / sink) | baseline MiB/s | ours MiB/s | ours / baseline | ours / limit | ours peak RSS | load |",
    "|---|---|---|---|---|---|---|---|---|",
  ];
  for (const cell of report.cells) {
    const limit = Math.min(rate(cell.limitSource), rate(cell.limitSink));
    const ours = rate(cell.ours);
    lines.push(
      `| ${cell.sizeBytes / MIB} MiB | ${cell.profile === "capped" ? `${cell.capMiBps} MiB/s per connection` : "uncapped"} | ` +
        `${limit.toFixed(0)} (${rate(cell.limitSource).toFixed(0)} / ${rate(cell.limitSink).toFixed(0)}) | ${rate(cell.baseline).toFixed(1)} | ${ours.toFixed(1)} | ` +
        `${(ours / rate(cell.baseline)).toFixed(2)}× | ${((ours / limit) * 100).toFixed(0)}% | ${(cell.ours.maxRssBytes / MIB).toFixed(0)} MiB | ` +
        `${cell.loadAverage?.toFixed(1) ?? "—"} |`,
    );
  }
  return `${lines.join("\n")}\n`;
}
