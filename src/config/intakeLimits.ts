import { integerSetting, type Settings } from "./settingParsers";

/**
 * Intake's per-delivery bounds (INTAKE_MAX_*_PER_DELIVERY). They keep the work one delivery can ask for, and so the
 * time to its answer, bounded: validation CPU grows with the chunks, Storage calls with chunks (a message and a
 * queued record each) and recordings (an expected record, a deadline marker, a listing on redelivery).
 */
export interface IntakeLimits {
  readonly maxEvents: number;
  readonly maxRecordings: number;
  readonly maxChunks: number;
}

/**
 * The defaults, far above any real delivery and low enough that the worst one is answered well inside Event Grid's
 * 30 s (docs/architecture.md, "Per-delivery bounds"; measured by `npm run bench:intake`):
 * - events: 5,000 is Event Grid's own largest batch;
 * - recordings: a GA RecordingFileStatusUpdated event is at least ~1 KB (three chunk URLs, ids, times), so a
 *   1 MB delivery holds at most about 1,000 of them, and a real batch (events arrive a few per minute) far fewer;
 * - chunks: a chunk is at most 4 hours (or 1.5 GB), so a recording has a handful; 2,000 is two per recording of the
 *   largest delivery, and a single event may list at most 1,000 anyway.
 */
export const DEFAULT_INTAKE_LIMITS: IntakeLimits = { maxEvents: 5_000, maxRecordings: 1_000, maxChunks: 2_000 };

/** The setting of each bound, named in the 413 answer and the quarantine record. */
export const INTAKE_LIMIT_SETTINGS = {
  maxEvents: "INTAKE_MAX_EVENTS_PER_DELIVERY",
  maxRecordings: "INTAKE_MAX_RECORDINGS_PER_DELIVERY",
  maxChunks: "INTAKE_MAX_CHUNKS_PER_DELIVERY",
} as const satisfies Record<keyof IntakeLimits, string>;

/** INTAKE_MAX_*_PER_DELIVERY; raising one above its default costs answer time (docs/architecture.md, bench/README.md). */
export function intakeLimitsSetting(settings: Settings): IntakeLimits {
  return {
    maxEvents: integerSetting(settings, INTAKE_LIMIT_SETTINGS.maxEvents, DEFAULT_INTAKE_LIMITS.maxEvents, {
      min: 1,
      max: 5_000,
    }),
    maxRecordings: integerSetting(settings, INTAKE_LIMIT_SETTINGS.maxRecordings, DEFAULT_INTAKE_LIMITS.maxRecordings, {
      min: 1,
      max: 5_000,
    }),
    maxChunks: integerSetting(settings, INTAKE_LIMIT_SETTINGS.maxChunks, DEFAULT_INTAKE_LIMITS.maxChunks, {
      min: 1,
      max: 10_000,
    }),
  };
}
