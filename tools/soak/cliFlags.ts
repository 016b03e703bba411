import { randomSeed } from "./prng";
import { FULL_SOAK, SHORT_SOAK, type SoakOptions } from "./soakOptions";

export const USAGE = `Usage: npm run soak -- [options]
  --chunks <n>           chunk identities to archive (default ${FULL_SOAK.chunks})
  --max-size <size>      largest chunk, e.g. 300MiB, 64MiB, 2000000 (default 300MiB)
  --seed <n>             replay a run (the seed is printed at the start)
  --kill-rate <p>        probability that an invocation's worker is SIGKILLed (default ${FULL_SOAK.killRate})
  --kill-max-dequeue <n> kill only deliveries up to this dequeue count (default ${FULL_SOAK.killMaxDequeue}; 5 lets kills hit the last delivery)
  --fault-rate <p>       share of documents with transient faults (default ${FULL_SOAK.faultRate})
  --workers <n>          worker processes (default ${FULL_SOAK.workers})
  --per-worker <n>       invocations each worker runs at once (default ${FULL_SOAK.invocationsPerWorker})
  --block-size <size>    DOWNLOAD_BLOCK_SIZE (default 8MiB)
  --concurrency <n>      DOWNLOAD_CONCURRENCY (default ${FULL_SOAK.concurrency})
  --time-limit <s>       stop archiving after this many seconds (default ${FULL_SOAK.timeLimitMs / 1000})
  --azurite-location <d> keep Azurite's data in this folder instead of memory
  --delete-after-archive run with DELETE_AFTER_ARCHIVE=true (ACS copies of archived chunks must be deleted)
  --short                the short profile that npm test runs`;

const UNITS: Record<string, number> = { "": 1, b: 1, kib: 1024, kb: 1024, mib: 1024 ** 2, mb: 1024 ** 2, gib: 1024 ** 3, gb: 1024 ** 3 };

function size(flag: string, value: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(value.trim());
  const unit = match ? UNITS[(match[2] ?? "").toLowerCase()] : undefined;
  if (!match || unit === undefined) throw new Error(`${flag} must be a size like 300MiB; got "${value}"`);
  return Math.round(Number(match[1]) * unit);
}

function number(flag: string, value: string, min: number, max: number): number {
  const parsed = Number(value);
  if (value.trim() === "" || !Number.isFinite(parsed) || parsed < min || parsed > max) throw new Error(`${flag} must be a number from ${min} to ${max}; got "${value}"`);
  return parsed;
}

/** Parses the command line; throws with a readable message on a bad flag. `help` asks for the usage text. */
export function parseSoakFlags(argv: readonly string[], log: (line: string) => void): { options: SoakOptions; help: boolean } {
  let profile: Omit<SoakOptions, "seed" | "log"> = argv.includes("--short") ? SHORT_SOAK : FULL_SOAK;
  let seed = randomSeed();
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i] ?? "";
    if (flag === "--help" || flag === "-h") return { options: { ...profile, seed, log }, help: true };
    if (flag === "--short") continue;
    if (flag === "--delete-after-archive") {
      profile = { ...profile, deleteAfterArchive: true };
      continue;
    }
    const value = argv[i + 1];
    if (value === undefined) throw new Error(`${flag} needs a value\n${USAGE}`);
    i += 1;
    switch (flag) {
      case "--chunks":
        profile = { ...profile, chunks: Math.round(number(flag, value, 1, 5000)) };
        break;
      case "--max-size":
        profile = { ...profile, maxSize: size(flag, value) };
        break;
      case "--seed":
        seed = Math.round(number(flag, value, 0, 2 ** 31));
        break;
      case "--kill-rate":
        profile = { ...profile, killRate: number(flag, value, 0, 1) };
        break;
      case "--kill-max-dequeue":
        profile = { ...profile, killMaxDequeue: Math.round(number(flag, value, 0, 100)) };
        break;
      case "--fault-rate":
        profile = { ...profile, faultRate: number(flag, value, 0, 1) };
        break;
      case "--workers":
        profile = { ...profile, workers: Math.round(number(flag, value, 1, 16)) };
        break;
      case "--per-worker":
        profile = { ...profile, invocationsPerWorker: Math.round(number(flag, value, 1, 16)) };
        break;
      case "--block-size":
        profile = { ...profile, blockSize: size(flag, value) };
        break;
      case "--concurrency":
        profile = { ...profile, concurrency: Math.round(number(flag, value, 1, 64)) };
        break;
      case "--time-limit":
        profile = { ...profile, timeLimitMs: number(flag, value, 5, 24 * 3600) * 1000 };
        break;
      case "--azurite-location":
        profile = { ...profile, azuriteLocation: value };
        break;
      default:
        throw new Error(`unknown flag ${flag}\n${USAGE}`);
    }
  }
  if (profile.maxSize < profile.minSize) profile = { ...profile, minSize: Math.max(1, profile.maxSize) };
  return { options: { ...profile, seed, log }, help: false };
}
