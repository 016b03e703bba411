import type { ChunkMessage } from "../events/chunkMessage";

export interface MediaFormat {
  readonly extension: string;
  readonly contentType: string;
}

export interface ChunkBlobNames {
  /** `<callId or serverCallId>/<recording start, compact UTC>` */
  readonly folder: string;
  readonly media: string;
  readonly metadata: string;
}

/**
 * File type from the event's recordingFormatType. Chunks of the founding documents' era (no format,
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

/** `2026-11-22T10:15:00.123Z` -> `20261122T101500Z` */
export function compactUtc(iso: string): string {
  return iso.replace(/\.\d+Z$/, "Z").replace(/[-:]/g, "");
}

/** A path segment from an untrusted id: no separators, dot-segments or control characters. */
export function safeSegment(value: string): string {
  // eslint-disable-next-line no-control-regex
  const cleaned = value.replace(/[\u0000-\u001f\u007f/\\?#%]/g, "_").slice(0, 200);
  return cleaned === "" || /^\.+$/.test(cleaned) ? "_" : cleaned;
}

/**
 * Deterministic names, so every delivery of the same chunk lands on the same blobs:
 * `<callId or serverCallId>/<recordingStartTime, compact UTC>/<index, zero-padded>-<documentId>.<ext>`
 * and `...-<documentId>.metadata.json` beside it.
 */
export function chunkBlobNames(message: ChunkMessage): ChunkBlobNames {
  const call = safeSegment(message.callId ?? message.serverCallId ?? "unknown-call");
  const folder = `${call}/${compactUtc(message.recordingStartTime ?? message.eventTime)}`;
  const width = Math.max(4, String(Math.max(message.chunkCount - 1, message.index)).length);
  const stem = `${folder}/${String(message.index).padStart(width, "0")}-${message.documentId}`;
  return { folder, media: `${stem}.${mediaFormat(message).extension}`, metadata: `${stem}.metadata.json` };
}
