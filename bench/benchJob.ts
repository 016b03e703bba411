import type { ChunkMessage } from "../src/queue/chunkMessage";

/** What a measurement is: run alone in a child process so its peak RSS is its own. */
export type BenchMode = "limitSource" | "limitSink" | "baseline" | "ours";

export interface BenchJob {
  readonly mode: BenchMode;
  readonly storage: string;
  readonly acsConnectionString: string;
  readonly allowedHosts: string;
  readonly container: string;
  readonly message: ChunkMessage;
  readonly size: number;
  readonly blockSize: number;
  readonly concurrency: number;
}

export interface BenchMeasurement {
  readonly mode: BenchMode;
  readonly bytes: number;
  readonly seconds: number;
  readonly maxRssBytes: number;
}
