import { createHash } from "node:crypto";
import type { ChunkMessage } from "../queue/chunkMessage";

export interface MediaFormat {
  readonly extension: string;
  readonly contentType: string;
}

export interface ChunkBlobNames {
  /** `calls/<call>/<recording>/`: the recording's folder, ending in `/`. */
  readonly folder: string;
  readonly media: string;
  readonly metadata: string;
}

/**
 * Everything named from event data lives under this prefix of the recordings container, and nothing
 * else does: operational records (failure records, indexes, receipts...) use the other top-level
 * prefixes in OPERATIONAL_PREFIXES, which no event-derived name can reach.
 */
export const RECORDINGS_PREFIX = "calls/";

/** Top-level prefixes of the recordings container that hold the archiver's own records, never event data. */
export const OPERATIONAL_PREFIXES = {
  /** Outcome records of chunks that could not be archived (replayable). */
  failures: "archive-failures/",
  /** Receipts of data-subject erasures (`participants erase`), one per run; the participant only as its keyed hash. */
  erasures: "participant-erasures/",
  /** Per-recording catalog records: what intake expects, and the outcomes of chunks (status API). */
  catalog: "archive-catalog/",
  /** One small marker per recording and deadline hour, written at intake: what the deadline watch lists. */
  deadlines: "archive-deadlines/",
  /** One tombstone per chunk a data-subject erasure removed (src/catalog/erasureTombstones.ts): it stays erased. */
  erased: "archive-erasures/",
} as const;

/** The chunk's metadata document: `<index>-<documentId>.metadata.json`. */
export const METADATA_SUFFIX = ".metadata.json";
/** BYOS catalogue records sit next to the chunk they describe: `<index>-<documentId>.byos.json` (written last: its presence means "done"). */
export const CATALOGUE_SUFFIX = ".byos.json";

/** Longest escaped segment kept as is; longer ones are shortened with a hash (names stay under 1,024). */
const MAX_SEGMENT = 160;

/**
 * File type from the event's recordingFormatType. Chunks of the 2021 preview API's era (no format,
 * no contentLocation) are MP4: the only output that service produced. Anything else unknown is `.bin`.
 */
export function mediaFormat(message: ChunkMessage): MediaFormat {
  const format = message.formatType?.toLowerCase();
  const audioOnly = message.contentType?.toLowerCase() === "audio";
  if (format === "mp4" || (format === undefined && message.contentLocation === undefined)) {
    return { extension: "mp4", contentType: audioOnly ? "audio/mp4" : "video/mp4" };
  }
  if (format === "mp3") return { extension: "mp3", contentType: "audio/mpeg" };
  if (format === "wav") return { extension: "wav", contentType: "audio/wav" };
  return { extension: "bin", contentType: "application/octet-stream" };
}

/** `2026-11-22T10:15:00.123Z` -> `20261122T101500123Z` (milliseconds kept, so close starts stay apart). */
export function compactUtc(iso: string): string {
  const time = new Date(iso);
  if (Number.isNaN(time.getTime())) return pathSegment(iso);
  return time.toISOString().replace(/[-:.]/g, "");
}

/**
 * An untrusted id as one blob-name segment, injectively: `A-Z a-z 0-9 _ -` and non-leading `.` stay,
 * every other UTF-8 byte becomes `~XX` (so `/`, `~`, `%`, `?`, `#`, control characters and a leading
 * dot cannot steer the name). A result longer than MAX_SEGMENT keeps a readable prefix and ends in
 * `~~` plus a SHA-256 of the whole id: `~~` never appears in an escaped name otherwise.
 */
export function pathSegment(value: string): string {
  let escaped = "";
  for (const byte of Buffer.from(value, "utf8")) {
    const char = String.fromCharCode(byte);
    const plain = /[A-Za-z0-9_-]/.test(char) || (char === "." && escaped !== "");
    escaped += plain ? char : `~${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  if (escaped === "") return "~";
  if (escaped.length <= MAX_SEGMENT) return escaped;
  const digest = createHash("sha256").update(value, "utf8").digest("hex").slice(0, 40);
  return `${escaped.slice(0, MAX_SEGMENT - 42).replace(/~[0-9A-F]?$/, "")}~~${digest}`;
}

/** The call a recording belongs to: its callId, or its serverCallId when the event named no callId. */
export function callKey(message: Pick<ChunkMessage, "callId" | "serverCallId">): string {
  return message.callId ?? message.serverCallId ?? "unknown-call";
}

/** `calls/<call>/`: every recording of one call (what the status API lists). */
export function callFolder(call: string): string {
  return `${RECORDINGS_PREFIX}${pathSegment(call)}/`;
}

/**
 * `calls/<call>/<recording start, compact UTC with ms>-<recordingId>/`: one folder per recording. The
 * recording id (absent in the 2021 preview's events) keeps two recordings of one call apart.
 */
export function recordingFolder(
  message: Pick<ChunkMessage, "callId" | "serverCallId" | "recordingId" | "recordingStartTime" | "eventTime">,
): string {
  const start = compactUtc(message.recordingStartTime ?? message.eventTime);
  const recording = message.recordingId === undefined ? "" : `-${pathSegment(message.recordingId)}`;
  return `${callFolder(callKey(message))}${start}${recording}/`;
}

/** The manifest of a recording, written once when all its chunks are archived. */
export function manifestName(folder: string): string {
  return `${folder}manifest.json`;
}

/**
 * Deterministic names, so every delivery of the same chunk lands on the same blobs:
 * `<recording folder><index, zero-padded>-<documentId>.<ext>` and `...-<documentId>.metadata.json`.
 */
export function chunkBlobNames(message: ChunkMessage): ChunkBlobNames {
  const folder = recordingFolder(message);
  const width = Math.max(4, String(Math.max(message.chunkCount - 1, message.index)).length);
  const stem = `${folder}${String(message.index).padStart(width, "0")}-${pathSegment(message.documentId)}`;
  return { folder, media: `${stem}.${mediaFormat(message).extension}`, metadata: `${stem}${METADATA_SUFFIX}` };
}
