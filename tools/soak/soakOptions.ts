const KIB = 1024;
const MIB = 1024 * KIB;

/** Everything a soak run is shaped by. The plan (events, sizes, faults, kill decisions) follows from `seed`. */
export interface SoakOptions {
  readonly seed: number;
  /** Chunk identities to archive (grouped into multi-chunk recordings). */
  readonly chunks: number;
  readonly minSize: number;
  readonly maxSize: number;
  /** Share of chunks in the "medium" (1-32 MiB) and "large" (32 MiB-maxSize) bands; the rest are small. */
  readonly mediumShare: number;
  readonly largeShare: number;
  /** Probability that one invocation's worker process is SIGKILLed while it runs. */
  readonly killRate: number;
  /** Kills only hit deliveries up to this dequeue count, so every message keeps kill-free deliveries before poison. */
  readonly killMaxDequeue: number;
  /** Share of documents that get transient faults in the simulator. */
  readonly faultRate: number;
  /** Share of faulty documents whose faults outlast the in-invocation retries (forcing a queue redelivery). */
  readonly exhaustingShare: number;
  /** Share of chunks that fail for good (403, hostile redirect, expired): they must end with an outcome record. */
  readonly permanentRate: number;
  /** Share of events delivered 2-3 times. */
  readonly duplicateRate: number;
  /** Share of recordings in the 2021 preview shape (2021 preview API download URLs). */
  readonly previewRate: number;
  /** Share of (small and medium) documents served by a server that ignores Range. */
  readonly ignoreRangeRate: number;
  /** Worker processes (instances), and invocations each runs at once (host.json allows up to 32 per instance). */
  readonly workers: number;
  readonly invocationsPerWorker: number;
  /** ARCHIVE_MEMORY_BUDGET given to the app (each worker process has its own); the app's default when omitted. */
  readonly memoryBudget?: number;
  /** DELETE_AFTER_ARCHIVE: archived chunks must then be gone from ACS, failed ones kept. */
  readonly deleteAfterArchive: boolean;
  /** DOWNLOAD_BLOCK_SIZE / DOWNLOAD_CONCURRENCY given to the app. */
  readonly blockSize: number;
  readonly concurrency: number;
  /** Visibility lock taken on receive (renewed while the invocation runs), and the delay before a retry. */
  readonly lockSeconds: number;
  readonly retryDelaySeconds: number;
  readonly maxDequeueCount: number;
  /** Deliveries are spread over this long, late duplicates up to `lateDuplicateMs` after that. */
  readonly feedSpreadMs: number;
  readonly lateDuplicateMs: number;
  /** An invocation that runs longer is reported as hung and its worker killed (a stand-in for functionTimeout). */
  readonly hangMs: number;
  /** Archiving is stopped after this long (counted from the start) and the run fails. */
  readonly timeLimitMs: number;
  /** Azurite data folder; in memory when omitted. */
  readonly azuriteLocation?: string;
  /** Where the workers' log lines go; a temporary file when omitted. */
  readonly workerLogPath?: string;
  /** The compiled worker script; by default a snapshot of this repo's dist/ (see appSnapshot.ts). */
  readonly workerScript?: string;
  /** Progress lines. */
  readonly log: (line: string) => void;
}

/** `npm run soak`: a few hundred chunks, small to a few hundred MiB, in well under 10 minutes on 2 cores. */
export const FULL_SOAK: Omit<SoakOptions, "seed" | "log"> = {
  chunks: 400,
  minSize: 4 * KIB,
  maxSize: 300 * MIB,
  mediumShare: 0.2,
  largeShare: 0.04,
  killRate: 0.2,
  killMaxDequeue: 3,
  faultRate: 0.4,
  exhaustingShare: 0.05,
  permanentRate: 0.02,
  duplicateRate: 0.3,
  previewRate: 0.25,
  ignoreRangeRate: 0.05,
  // Each worker plays one instance; a kill takes down every invocation of its worker, so few run per worker.
  workers: 2,
  invocationsPerWorker: 2,
  // Below what two large chunks want (2 x 72 MiB): the budget binds while faults and kills happen.
  memoryBudget: 64 * MIB,
  deleteAfterArchive: false,
  blockSize: 8 * MIB,
  concurrency: 8,
  lockSeconds: 30,
  retryDelaySeconds: 1,
  maxDequeueCount: 5,
  feedSpreadMs: 20_000,
  lateDuplicateMs: 30_000,
  hangMs: 150_000,
  timeLimitMs: 9.5 * 60_000,
};

/** The version in `npm test`: a few dozen small chunks, kills and faults, well under a minute. */
export const SHORT_SOAK: Omit<SoakOptions, "seed" | "log"> = {
  ...FULL_SOAK,
  chunks: 48,
  maxSize: 4 * MIB,
  mediumShare: 0.3,
  largeShare: 0,
  killRate: 0.3,
  faultRate: 0.5,
  exhaustingShare: 0.05,
  permanentRate: 0.08,
  workers: 2,
  invocationsPerWorker: 2,
  memoryBudget: 16 * MIB,
  blockSize: 256 * KIB,
  concurrency: 4,
  feedSpreadMs: 3_000,
  lateDuplicateMs: 6_000,
  hangMs: 45_000,
  timeLimitMs: 100_000,
};

export { MIB };
