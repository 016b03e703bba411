import type { ChunkMessage } from "../queue/chunkMessage";
import { isRecord } from "../shared/untrustedJson";

/** What identifies a recording and describes it, as the event told it (every field may be absent in old events). */
export interface RecordingInfo {
  readonly callId: string | null;
  readonly serverCallId: string | null;
  readonly recordingId: string | null;
  /** ACS resource id (lower case) the event came from; null when the event named none. */
  readonly acsResource: string | null;
  readonly recordingStartTime: string | null;
  readonly recordingDurationMs: number | null;
  readonly contentType: string | null;
  readonly channelType: string | null;
  readonly formatType: string | null;
  readonly chunkCount: number;
}

export function recordingInfoOf(message: ChunkMessage): RecordingInfo {
  return {
    callId: message.callId ?? null,
    serverCallId: message.serverCallId ?? null,
    recordingId: message.recordingId ?? null,
    acsResource: message.resource === "" ? null : message.resource,
    recordingStartTime: message.recordingStartTime ?? null,
    recordingDurationMs: message.recordingDurationMs ?? null,
    contentType: message.contentType ?? null,
    channelType: message.channelType ?? null,
    formatType: message.formatType ?? null,
    chunkCount: message.chunkCount,
  };
}

type TextField =
  | "callId"
  | "serverCallId"
  | "recordingId"
  | "acsResource"
  | "recordingStartTime"
  | "contentType"
  | "channelType"
  | "formatType";

/** Reads a RecordingInfo back from a stored record (our own JSON, still read defensively). */
export function readRecordingInfo(value: unknown): RecordingInfo | undefined {
  if (!isRecord(value)) return undefined;
  const chunkCount = value["chunkCount"];
  if (typeof chunkCount !== "number" || !Number.isSafeInteger(chunkCount) || chunkCount < 1) return undefined;
  const text = (name: TextField): string | null => {
    const field = value[name];
    return typeof field === "string" ? field : null;
  };
  const duration = value["recordingDurationMs"];
  return {
    callId: text("callId"),
    serverCallId: text("serverCallId"),
    recordingId: text("recordingId"),
    acsResource: text("acsResource"),
    recordingStartTime: text("recordingStartTime"),
    recordingDurationMs: typeof duration === "number" ? duration : null,
    contentType: text("contentType"),
    channelType: text("channelType"),
    formatType: text("formatType"),
    chunkCount,
  };
}

/**
 * Recording identity from the blob metadata the archiver writes into every chunk blob (chunks
 * archived before the catalog existed have no expected record; duration and types are then unknown).
 */
export function recordingInfoFromBlobMetadata(metadata: Record<string, string> | undefined): RecordingInfo | undefined {
  const count = Number(metadata?.["chunkcount"]);
  if (!metadata || !Number.isSafeInteger(count) || count < 1) return undefined;
  const text = (key: string): string | null => {
    const value = metadata[key];
    if (value === undefined) return null;
    try {
      return decodeURIComponent(value);
    } catch {
      return value;
    }
  };
  return {
    callId: text("callid"),
    serverCallId: text("servercallid"),
    recordingId: text("recordingid"),
    acsResource: text("acsresource"),
    recordingStartTime: text("recordingstarttime"),
    recordingDurationMs: null,
    contentType: null,
    channelType: null,
    formatType: null,
    chunkCount: count,
  };
}
