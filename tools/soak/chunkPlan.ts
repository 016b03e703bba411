import type { FaultSpec, MediaFormat } from "../acsSimulator";
import { PERMANENT_KINDS, permanentFaults, transientFaults, type PermanentExpectation } from "./faultPlan";
import type { Prng } from "./prng";
import { MIB, type SoakOptions } from "./soakOptions";

/** One chunk (one ACS document) of a planned recording, and what the soak expects of it. */
interface PlannedChunk {
  readonly documentId: string;
  readonly index: number;
  readonly size: number;
  readonly ignoreRange: boolean;
  readonly faults: FaultSpec[];
  readonly faultLabels: string[];
  /** undefined: must be archived byte for byte. Otherwise: must end with this outcome record. */
  readonly permanent?: PermanentExpectation;
}

export interface PlannedRecording {
  readonly eventId: string;
  readonly callId: string;
  readonly era: "ga" | "preview";
  readonly schema: "eventgrid" | "cloudevents";
  readonly format: MediaFormat;
  /** How long before "now" the event was raised (past the retention window for expired recordings). */
  readonly eventAgeMs: number;
  /** How many times the event is delivered (duplicates). */
  readonly copies: number;
  readonly chunks: PlannedChunk[];
}

/** Older than RETENTION_HOURS (24) plus the day of late tries (requeuePlan): no re-queue, a final record. */
const EXPIRED_AGE_MS = 49 * 3_600_000;

function hex(rng: Prng, length: number): string {
  let text = "";
  while (text.length < length) text += (rng.int(0, 0xffff) | 0x10000).toString(16).slice(1);
  return text.slice(0, length);
}

function uuid(rng: Prng): string {
  const h = hex(rng, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20)}`;
}

/** Shaped like the published ids: `0-eus-d12-<32 hex>`. */
function documentId(rng: Prng): string {
  return `0-${rng.pick(["eus", "wus", "neu", "weu"])}-d${rng.int(1, 20)}-${hex(rng, 32)}`;
}

/** Chunk sizes: a few large (the first at exactly maxSize), some medium, the rest small, one empty file. */
function planSizes(rng: Prng, options: SoakOptions, count: number): number[] {
  const cap = (value: number): number => Math.min(value, options.maxSize);
  const large =
    options.largeShare > 0 && options.maxSize > 32 * MIB ? Math.max(1, Math.round(count * options.largeShare)) : 0;
  const medium = Math.round(count * options.mediumShare);
  const sizes: number[] = count >= 20 ? [0] : [];
  for (let i = 0; i < large; i++) sizes.push(i === 0 ? options.maxSize : rng.logUniform(32 * MIB, options.maxSize));
  for (let i = 0; i < medium; i++) sizes.push(rng.logUniform(cap(MIB), cap(32 * MIB)));
  while (sizes.length < count) sizes.push(rng.logUniform(options.minSize, cap(MIB)));
  return rng.shuffle(sizes.slice(0, count));
}

function recording(
  rng: Prng,
  options: SoakOptions,
  sizes: number[],
  permanent?: PermanentExpectation["kind"],
): PlannedRecording {
  const era = rng.chance(options.previewRate) ? "preview" : "ga";
  const format: MediaFormat = era === "preview" ? "mp4" : rng.pick(["mp4", "mp4", "mp3", "wav"] as const);
  const chunks = sizes.map((size, index): PlannedChunk => {
    const id = documentId(rng);
    if (permanent) {
      const planned = permanentFaults(permanent);
      return {
        documentId: id,
        index,
        size,
        ignoreRange: false,
        faults: planned.faults,
        faultLabels: planned.labels,
        permanent: planned.expectation,
      };
    }
    const faulty = rng.chance(options.faultRate);
    const planned = faulty
      ? transientFaults(rng, size, options.blockSize, rng.chance(options.exhaustingShare), era === "ga")
      : { faults: [], labels: [] };
    const ignoreRange = size <= 32 * MIB && rng.chance(options.ignoreRangeRate);
    return { documentId: id, index, size, ignoreRange, faults: planned.faults, faultLabels: planned.labels };
  });
  return {
    eventId: uuid(rng),
    callId: uuid(rng),
    era,
    schema: rng.chance(0.4) ? "cloudevents" : "eventgrid",
    format,
    eventAgeMs: permanent === "expired" || permanent === "unverifiable" ? EXPIRED_AGE_MS : rng.int(0, 600_000),
    copies: rng.chance(options.duplicateRate) ? rng.int(2, 3) : 1,
    chunks,
  };
}

/**
 * The recordings of a run: `options.chunks` chunk identities grouped into recordings of 1-5 chunks, plus a
 * few single-chunk recordings that fail for good (one kind after another), in shuffled order.
 */
export function planRecordings(rng: Prng, options: SoakOptions): PlannedRecording[] {
  const permanentCount =
    options.permanentRate > 0 ? Math.max(1, Math.round(options.chunks * options.permanentRate)) : 0;
  const sizes = planSizes(rng.derive("sizes"), options, options.chunks - permanentCount);
  const shapes = rng.derive("recordings");
  const recordings: PlannedRecording[] = [];
  for (let next = 0; next < sizes.length;) {
    const length = shapes.chance(0.4) ? 1 : shapes.int(2, 5);
    recordings.push(recording(shapes, options, sizes.slice(next, next + length)));
    next += length;
  }
  for (let i = 0; i < permanentCount; i++) {
    const kind = PERMANENT_KINDS[i % PERMANENT_KINDS.length] as PermanentExpectation["kind"];
    recordings.push(
      recording(shapes, options, [shapes.logUniform(options.minSize, Math.min(options.maxSize, MIB))], kind),
    );
  }
  return rng.derive("order").shuffle(recordings);
}
