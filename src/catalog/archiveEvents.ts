import { createHash } from "node:crypto";
import { callKey, pathSegment } from "../layout/blobLayout";
import type { ChunkMessage } from "../queue/chunkMessage";

export const ARCHIVE_EVENT_TYPES = {
  recordingArchived: "RecordingArchiver.RecordingArchived",
  chunkArchiveFailed: "RecordingArchiver.ChunkArchiveFailed",
  chunkDeadlineAtRisk: "RecordingArchiver.ChunkDeadlineAtRisk",
  recordingDeadlineAtRisk: "RecordingArchiver.RecordingDeadlineAtRisk",
} as const;

export type ArchiveEventType = (typeof ARCHIVE_EVENT_TYPES)[keyof typeof ARCHIVE_EVENT_TYPES];

/** One event for downstream systems, independent of the schema it is published in. */
export interface ArchiveEvent {
  /** Deterministic: the same identity and type always give the same id (consumers drop duplicates). */
  readonly id: string;
  readonly type: ArchiveEventType;
  /** `recordings/<call>/<recording start>`. */
  readonly subject: string;
  readonly time: string;
  readonly data: object;
}

/** The source CloudEvents carry (the Event Grid schema has the topic instead). */
export const ARCHIVE_EVENT_SOURCE = "recording-archiver";

/** A UUID-shaped id from SHA-256 of type and identity (same input, same id; version nibble 5-like). */
export function archiveEventId(type: ArchiveEventType, identity: string): string {
  const hex = createHash("sha256").update(`${type}\n${identity}`, "utf8").digest("hex");
  const variant = ((parseInt(hex.slice(16, 17), 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** `recordings/<call>/<recording start>`: the call escaped as in blob names, the start as ISO 8601 UTC. */
export function recordingSubject(
  recording: Pick<ChunkMessage, "callId" | "serverCallId" | "recordingStartTime" | "eventTime">,
): string {
  return `recordings/${pathSegment(callKey(recording))}/${recording.recordingStartTime ?? recording.eventTime}`;
}

/** The subject of a recording known from a stored record (null fields absent; the event time stands in for a missing start). */
export function recordingSubjectOf(
  info: { callId: string | null; serverCallId: string | null; recordingStartTime: string | null },
  eventTime: string,
): string {
  return recordingSubject({
    ...(info.callId ? { callId: info.callId } : {}),
    ...(info.serverCallId ? { serverCallId: info.serverCallId } : {}),
    ...(info.recordingStartTime ? { recordingStartTime: info.recordingStartTime } : {}),
    eventTime,
  });
}

/** A chunk not archived yet, as ChunkDeadlineAtRisk describes it (no secrets, no participants). */
export interface ChunkAtRisk {
  readonly chunkKey: string;
  readonly callId: string | null;
  readonly serverCallId: string | null;
  readonly recordingId: string | null;
  readonly index: number;
  readonly documentId: string;
  readonly deadline: string;
}

/** True when a quarter of the chunk's window (`deadline − eventTime`) or less is left. */
export function inLastQuarter(deadline: string, eventTime: string, now: Date): boolean {
  const end = Date.parse(deadline);
  const window = end - Date.parse(eventTime);
  return window > 0 && end - now.getTime() <= window / 4;
}

/**
 * ChunkDeadlineAtRisk, whoever detects it (the archiver on a failing delivery, the deadline watch on a
 * chunk never delivered): identity = chunk key, so both give the same id for the same chunk.
 */
export function chunkDeadlineAtRiskEvent(chunk: ChunkAtRisk, subject: string, now: Date): ArchiveEvent {
  const hoursLeft = Math.round(((Date.parse(chunk.deadline) - now.getTime()) / 3_600_000) * 100) / 100;
  const data = {
    chunkKey: chunk.chunkKey,
    callId: chunk.callId,
    serverCallId: chunk.serverCallId,
    recordingId: chunk.recordingId,
    index: chunk.index,
    documentId: chunk.documentId,
    deadline: chunk.deadline,
    hoursLeft,
  };
  return archiveEvent(ARCHIVE_EVENT_TYPES.chunkDeadlineAtRisk, chunk.chunkKey, subject, data, now);
}

/** The most chunks one RecordingDeadlineAtRisk lists (a few hundred bytes each: the event stays far under 1 MB). */
const MAX_CHUNKS_PER_RISK_EVENT = 200;

/**
 * RecordingDeadlineAtRisk, from the deadline watch: ONE event per recording with chunks at risk, listing them (the
 * earliest deadlines first, at most MAX_CHUNKS_PER_RISK_EVENT; `atRiskCount` is the whole number). Identity = the
 * recording and the set of its chunks at risk: a later run that finds the same set publishes the same id.
 */
export function recordingDeadlineAtRiskEvent(
  recording: {
    readonly folder: string;
    readonly callId: string | null;
    readonly serverCallId: string | null;
    readonly recordingId: string | null;
  },
  chunks: readonly ChunkAtRisk[],
  subject: string,
  now: Date,
): ArchiveEvent {
  const hoursLeft = (deadline: string): number =>
    Math.round(((Date.parse(deadline) - now.getTime()) / 3_600_000) * 100) / 100;
  const sorted = [...chunks].sort((a, b) => Date.parse(a.deadline) - Date.parse(b.deadline) || a.index - b.index);
  const earliest = sorted[0]?.deadline ?? "";
  const identity = `${recording.folder}\n${sorted
    .map((chunk) => chunk.chunkKey)
    .sort()
    .join("\n")}`;
  const data = {
    callId: recording.callId,
    serverCallId: recording.serverCallId,
    recordingId: recording.recordingId,
    atRiskCount: sorted.length,
    earliestDeadline: earliest,
    hoursLeft: hoursLeft(earliest),
    chunks: sorted.slice(0, MAX_CHUNKS_PER_RISK_EVENT).map((chunk) => ({
      chunkKey: chunk.chunkKey,
      index: chunk.index,
      documentId: chunk.documentId,
      deadline: chunk.deadline,
      hoursLeft: hoursLeft(chunk.deadline),
    })),
    chunksOmitted: Math.max(0, sorted.length - MAX_CHUNKS_PER_RISK_EVENT),
  };
  return archiveEvent(ARCHIVE_EVENT_TYPES.recordingDeadlineAtRisk, identity, subject, data, now);
}

export function archiveEvent(
  type: ArchiveEventType,
  identity: string,
  subject: string,
  data: object,
  now: Date,
): ArchiveEvent {
  return { id: archiveEventId(type, identity), type, subject, time: now.toISOString(), data };
}
