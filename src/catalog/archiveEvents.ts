import { createHash } from "node:crypto";
import { callKey, pathSegment } from "../archive/blobLayout";
import type { ChunkMessage } from "../events/chunkMessage";

export const ARCHIVE_EVENT_TYPES = {
  recordingArchived: "RecordingArchiver.RecordingArchived",
  chunkArchiveFailed: "RecordingArchiver.ChunkArchiveFailed",
  chunkDeadlineAtRisk: "RecordingArchiver.ChunkDeadlineAtRisk",
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
export function recordingSubject(recording: Pick<ChunkMessage, "callId" | "serverCallId" | "recordingStartTime" | "eventTime">): string {
  return `recordings/${pathSegment(callKey(recording))}/${recording.recordingStartTime ?? recording.eventTime}`;
}

export function archiveEvent(type: ArchiveEventType, identity: string, subject: string, data: object, now: Date): ArchiveEvent {
  return { id: archiveEventId(type, identity), type, subject, time: now.toISOString(), data };
}
