import { parseByteSize } from "../../src/shared/byteSize";
import { parseCommandLine } from "../../src/shared/commandLine";
import { randomSeed } from "./prng";
import { FULL_SOAK, SHORT_SOAK, type SoakOptions } from "./soakOptions";

export const USAGE = `Usage: npm run soak -- [options]
  --chunks <n>           chunk identities to archive (default ${FULL_SOAK.chunks})
  --max-size <size>      largest chunk, e.g. 300MiB, 64MiB, 2000000, 10MB = 10^6 bytes (default 300MiB)
  --seed <n>             replay a run (the seed is printed at the start)
  --kill-rate <p>        probability that an invocation's worker is SIGKILLed (default ${FULL_SOAK.killRate})
  --kill-max-dequeue <n> kill only deliveries up to this dequeue count (default ${FULL_SOAK.killMaxDequeue}; 5 lets kills hit the last delivery)
  --fault-rate <p>       share of documents with transient faults (default ${FULL_SOAK.faultRate})
  --workers <n>          worker processes (default ${FULL_SOAK.workers})
  --per-worker <n>       invocations each worker runs at once (default ${FULL_SOAK.invocationsPerWorker})
  --block-size <size>    DOWNLOAD_BLOCK_SIZE (default 8MiB)
  --concurrency <n>      DOWNLOAD_CONCURRENCY (default ${FULL_SOAK.concurrency})
  --memory-budget <size> ARCHIVE_MEMORY_BUDGET of each worker (default 64MiB; --short: 16MiB)
  --time-limit <s>       stop archiving after this many seconds (default ${FULL_SOAK.timeLimitMs / 1000})
  --azurite-location <d> keep Azurite's data in this folder instead of memory
  --delete-after-archive run with DELETE_AFTER_ARCHIVE=true (ACS copies of archived chunks must be deleted)
  --short                the short profile that npm test runs
  -h, --help             this text`;

const FLAGS = {
  chunks: { type: "string" },
  "max-size": { type: "string" },
  seed: { type: "string" },
  "kill-rate": { type: "string" },
  "kill-max-dequeue": { type: "string" },
  "fault-rate": { type: "string" },
  workers: { type: "string" },
  "per-worker": { type: "string" },
  "block-size": { type: "string" },
  concurrency: { type: "string" },
  "memory-budget": { type: "string" },
  "time-limit": { type: "string" },
  "azurite-location": { type: "string" },
  "delete-after-archive": { type: "boolean" },
  short: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/** A byte size (src/shared/byteSize.ts: `300MiB`, `2000000`; `MB` means 10^6 bytes). */
function size(flag: string, value: string): number {
  const bytes = parseByteSize(value);
  if (bytes === undefined || bytes < 1) throw new Error(`${flag} must be a size like 300MiB; got "${value}"`);
  return bytes;
}

function number(flag: string, value: string, min: number, max: number): number {
  const parsed = Number(value);
  if (value.trim() === "" || !Number.isFinite(parsed) || parsed < min || parsed > max)
    throw new Error(`${flag} must be a number from ${min} to ${max}; got "${value}"`);
  return parsed;
}

/** Parses the command line; throws with a readable message on a bad flag. `help` asks for the usage text. */
export function parseSoakFlags(
  argv: readonly string[],
  log: (line: string) => void,
): { options: SoakOptions; help: boolean } {
  const { values } = parseCommandLine(argv, FLAGS, { usage: USAGE });
  const seed = values.seed === undefined ? randomSeed() : Math.round(number("--seed", values.seed, 0, 2 ** 31));
  const base = values.short === true ? SHORT_SOAK : FULL_SOAK;
  if (values.help === true) return { options: { ...base, seed, log }, help: true };
  const whole = (flag: keyof typeof FLAGS, min: number, max: number): number | undefined => {
    const value = values[flag];
    return typeof value === "string" ? Math.round(number(`--${flag}`, value, min, max)) : undefined;
  };
  const fraction = (flag: keyof typeof FLAGS): number | undefined => {
    const value = values[flag];
    return typeof value === "string" ? number(`--${flag}`, value, 0, 1) : undefined;
  };
  const timeLimit =
    values["time-limit"] === undefined ? undefined : number("--time-limit", values["time-limit"], 5, 24 * 3600) * 1000;
  let profile: Omit<SoakOptions, "seed" | "log"> = {
    ...base,
    ...defined({
      chunks: whole("chunks", 1, 5000),
      maxSize: values["max-size"] === undefined ? undefined : size("--max-size", values["max-size"]),
      killRate: fraction("kill-rate"),
      killMaxDequeue: whole("kill-max-dequeue", 0, 100),
      faultRate: fraction("fault-rate"),
      workers: whole("workers", 1, 16),
      invocationsPerWorker: whole("per-worker", 1, 32),
      blockSize: values["block-size"] === undefined ? undefined : size("--block-size", values["block-size"]),
      concurrency: whole("concurrency", 1, 64),
      memoryBudget:
        values["memory-budget"] === undefined ? undefined : size("--memory-budget", values["memory-budget"]),
      timeLimitMs: timeLimit,
      azuriteLocation: values["azurite-location"],
      deleteAfterArchive: values["delete-after-archive"],
    }),
  };
  if (profile.maxSize < profile.minSize) profile = { ...profile, minSize: Math.max(1, profile.maxSize) };
  return { options: { ...profile, seed, log }, help: false };
}

/** The entries of `values` that are set (so that they override the profile, and unset ones do not). */
function defined<T extends Record<string, unknown>>(values: T): Partial<{ [K in keyof T]: Exclude<T[K], undefined> }> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as Partial<{
    [K in keyof T]: Exclude<T[K], undefined>;
  }>;
}
