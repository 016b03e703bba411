import type { FaultSpec } from "../acsSimulator";
import { MIB } from "./soakOptions";
import type { Prng } from "./prng";

/** The faults armed on one document, with a short label per fault for the report. */
export interface PlannedFaults {
  readonly faults: FaultSpec[];
  readonly labels: string[];
}

type TransientMaker = (rng: Prng, size: number, blockSize: number) => { fault: FaultSpec; label: string };

/** Where a broken body stops: somewhere inside the first response (a block, or the whole small file). */
function cutPoint(rng: Prng, size: number, blockSize: number): number {
  return rng.int(1, Math.max(1, Math.min(size, blockSize) - 1));
}

const TRANSIENT: readonly TransientMaker[] = [
  (rng, size, block) => ({
    fault: { kind: "reset", afterBytes: cutPoint(rng, size, block), times: rng.int(1, 3) },
    label: "reset mid-body",
  }),
  (rng) => ({ fault: { kind: "reset", times: rng.int(1, 2) }, label: "reset before answer" }),
  (rng, size, block) => ({
    fault: { kind: "truncate", afterBytes: cutPoint(rng, size, block), times: rng.int(1, 3) },
    label: "truncated body",
  }),
  (rng) => ({
    fault: { kind: "status", status: rng.pick([500, 502, 503, 504, 408]), times: rng.int(1, 3) },
    label: "5xx/408",
  }),
  (rng) => ({
    fault: { kind: "status", status: 429, retryAfterSeconds: rng.int(1, 2), times: rng.int(1, 2) },
    label: "429 Retry-After",
  }),
  (rng) => ({ fault: { kind: "status", status: 429, times: rng.int(1, 2) }, label: "429" }),
  (rng) => ({
    fault: { kind: "bandwidth", bytesPerSecond: rng.int(1, 8) * MIB, times: rng.int(1, 4) },
    label: "slow link",
  }),
  (rng) => ({ fault: { kind: "stall", stallMs: rng.int(300, 2_500), times: rng.int(1, 2) }, label: "stall" }),
  () => ({ fault: { kind: "expired", times: 1 }, label: "404 not ready" }),
  (rng) => ({
    fault: { kind: rng.pick(["reset", "truncate"] as const), target: "metadata", times: rng.int(1, 2) },
    label: "metadata broken",
  }),
  (rng) => ({
    fault: { kind: "status", status: 503, target: "metadata", times: rng.int(1, 2) },
    label: "metadata 503",
  }),
  (rng) => ({ fault: { kind: "dropTerminator", times: rng.int(1, 3) }, label: "dropped chunked terminator" }),
  (rng) => ({
    fault: {
      kind: "endlessErrorBody",
      status: rng.pick([500, 503]),
      target: rng.pick(["content", "metadata"] as const),
      times: rng.int(1, 2),
    },
    label: "endless error body",
  }),
  (rng) => ({
    fault: { kind: "stall", target: "metadata", afterBytes: rng.int(1, 64), stallMs: rng.int(500, 3_000), times: 1 },
    label: "metadata stalls mid-body",
  }),
];

/**
 * A 302 to the regional storage host keeps the path: only today's storage URLs (GA era) can be redirected there
 * (the simulator's regional host does not serve the 2021 preview API's /recording/download/ paths).
 */
const REDIRECT: TransientMaker = (rng) => ({
  fault: { kind: "redirect", redirectTo: "regional", times: rng.int(1, 3) },
  label: "302 regional",
});

/**
 * One to three transient faults for a document. With `exhausting`, the first is a burst of 503s longer than
 * the archiver's in-invocation retries (6 attempts), so the queue has to deliver the message again.
 */
export function transientFaults(
  rng: Prng,
  size: number,
  blockSize: number,
  exhausting: boolean,
  storageUrls: boolean,
): PlannedFaults {
  const makers = storageUrls ? [...TRANSIENT, REDIRECT] : TRANSIENT;
  const faults: FaultSpec[] = [];
  const labels: string[] = [];
  if (exhausting) {
    faults.push({ kind: "status", status: 503, times: rng.int(7, 9) });
    labels.push("503 burst (outlasts retries)");
  }
  const count = rng.int(1, 3);
  for (let i = 0; i < count; i++) {
    const made = rng.pick(makers)(rng, size, blockSize);
    faults.push(made.fault);
    labels.push(made.label);
  }
  return { faults, labels };
}

export type PermanentKind = "forbidden" | "hostileRedirect" | "expired" | "unverifiable";

export const PERMANENT_KINDS: readonly PermanentKind[] = ["forbidden", "hostileRedirect", "expired", "unverifiable"];

/** What a chunk that cannot be archived must leave behind: an outcome record of this kind. */
export interface PermanentExpectation {
  readonly kind: PermanentKind;
  readonly outcome: "failed" | "expired" | "unverifiable";
  readonly httpStatus?: number;
}

/**
 * Faults that no retry can cure. "expired" also needs an event older than the retention window, and
 * "unverifiable" (a server that never sends a length) one more than a day past it, when re-queuing stops.
 */
export function permanentFaults(kind: PermanentKind): PlannedFaults & { expectation: PermanentExpectation } {
  switch (kind) {
    case "forbidden":
      return {
        faults: [{ kind: "status", status: 403, target: "any" }],
        labels: ["403 (wrong key)"],
        expectation: { kind, outcome: "failed", httpStatus: 403 },
      };
    case "hostileRedirect":
      return {
        faults: [{ kind: "redirect", redirectTo: "foreign", target: "any" }],
        labels: ["302 to a foreign host"],
        expectation: { kind, outcome: "failed" },
      };
    case "expired":
      return {
        faults: [{ kind: "expired", target: "any" }],
        labels: ["404 after the deadline"],
        expectation: { kind, outcome: "expired", httpStatus: 404 },
      };
    case "unverifiable":
      return {
        faults: [{ kind: "closeDelimited" }],
        labels: ["no length (close-delimited 200)"],
        expectation: { kind, outcome: "unverifiable" },
      };
  }
}
