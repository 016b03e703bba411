import type { AcsRecordingChunkInfo, AcsRecordingFileStatusUpdatedEventData } from "@azure/eventgrid";
import { normalizeResourceId } from "../config/appConfig";
import { downloadUrlProblem, type DownloadHostPolicy } from "../config/downloadHosts";
import { InvalidEventError } from "../errors";
import { isNonEmptyString, isRecord, parseIsoDateTime, printable, type JsonRecord } from "../shared/records";
import { chunkKey, encodeChunkMessage, MAX_ENCODED_MESSAGE_BYTES, type ChunkMessage } from "./chunkMessage";
import type { EventEnvelope } from "./eventEnvelope";
import { documentIdProblem } from "./documentId";
import { parseRecordingSubject } from "./recordingSubject";

/** What intake checks a RecordingFileStatusUpdated event against. */
export interface RecordingEventPolicy {
  readonly allowedAcsResources: readonly string[];
  readonly downloadHosts: DownloadHostPolicy;
  readonly retentionHours: number;
}

const MAX_CHUNKS = 1000;
const LOCATION_FIELDS = ["contentLocation", "metadataLocation", "deleteLocation"] as const satisfies readonly (keyof AcsRecordingChunkInfo)[];
const TEXT_FIELDS = ["recordingContentType", "recordingChannelType", "recordingFormatType", "sessionEndReason", "storageType", "recordingId"] as const;

/**
 * Validates one RecordingFileStatusUpdated event and returns one chunk message per chunk, or throws
 * InvalidEventError naming the first offending field. All chunk URLs are checked before anything is returned.
 */
export function chunkMessagesFromEvent(event: EventEnvelope, policy: RecordingEventPolicy): ChunkMessage[] {
  const eventId = requireText(event.id, event.fields.id);
  const eventTime = requireDate(event.time, event.fields.time);
  const resource = checkSource(event, policy);
  if (!isRecord(event.data)) throw new InvalidEventError("data", "must be an object.");
  const data = event.data as JsonRecord & Partial<Record<keyof AcsRecordingFileStatusUpdatedEventData, unknown>>;
  const storageInfo = data.recordingStorageInfo;
  if (!isRecord(storageInfo)) throw new InvalidEventError("data.recordingStorageInfo", "must be an object.");
  const chunks = storageInfo["recordingChunks"];
  if (!Array.isArray(chunks) || chunks.length === 0) {
    throw new InvalidEventError("data.recordingStorageInfo.recordingChunks", "must be a non-empty array.");
  }
  if (chunks.length > MAX_CHUNKS) throw new InvalidEventError("data.recordingStorageInfo.recordingChunks", `has more than ${MAX_CHUNKS} chunks.`);

  const recordingStartTime = data.recordingStartTime === undefined ? undefined : requireDate(data.recordingStartTime, "data.recordingStartTime");
  const duration = data.recordingDurationMs;
  if (duration !== undefined && (typeof duration !== "number" || !Number.isFinite(duration) || duration < 0)) {
    throw new InvalidEventError("data.recordingDurationMs", "must be a non-negative number.");
  }
  const text: Partial<Record<(typeof TEXT_FIELDS)[number], string>> = {};
  for (const field of TEXT_FIELDS) {
    const value = data[field];
    if (value === undefined || value === null) continue;
    if (typeof value !== "string" || value.length > 256) throw new InvalidEventError(`data.${field}`, "must be a string of at most 256 characters.");
    text[field] = value;
  }
  const subject = parseRecordingSubject(event.subject);
  const deadline = new Date(eventTime.getTime() + policy.retentionHours * 3_600_000);
  const seen = new Set<string>();

  const messages = chunks.map((chunk: unknown, position): ChunkMessage => {
    const path = `data.recordingStorageInfo.recordingChunks[${position}]`;
    if (!isRecord(chunk)) throw new InvalidEventError(path, "must be an object.");
    const documentId = chunk["documentId"];
    const problem = documentIdProblem(documentId);
    if (problem) throw new InvalidEventError(`${path}.documentId`, problem);
    const index = chunk["index"];
    if (typeof index !== "number" || !Number.isSafeInteger(index) || index < 0) {
      throw new InvalidEventError(`${path}.index`, "must be a non-negative integer.");
    }
    for (const key of [`d:${documentId as string}`, `i:${index}`]) {
      if (seen.has(key)) throw new InvalidEventError(path, `repeats ${key.startsWith("d") ? "documentId" : "index"} of another chunk.`);
      seen.add(key);
    }
    const endReason = chunk["endReason"];
    if (endReason !== undefined && endReason !== null && typeof endReason !== "string") {
      throw new InvalidEventError(`${path}.endReason`, "must be a string.");
    }
    const locations: Partial<Record<(typeof LOCATION_FIELDS)[number], string>> = {};
    for (const field of LOCATION_FIELDS) {
      const value = chunk[field];
      if (value === undefined || value === null) continue;
      if (typeof value !== "string" || value.length > 2048) throw new InvalidEventError(`${path}.${field}`, "must be a URL string.");
      const urlProblem = downloadUrlProblem(policy.downloadHosts, value);
      if (urlProblem) throw new InvalidEventError(`${path}.${field}`, urlProblem + ".");
      locations[field] = value;
    }
    return {
      version: 1,
      chunkKey: chunkKey(resource, documentId as string, index),
      resource,
      documentId: documentId as string,
      index,
      ...(typeof endReason === "string" ? { endReason } : {}),
      ...locations,
      eventId,
      eventTime: eventTime.toISOString(),
      deadline: deadline.toISOString(),
      ...(subject.callId ? { callId: subject.callId } : {}),
      ...(subject.serverCallId ? { serverCallId: subject.serverCallId } : {}),
      ...(text.recordingId ?? subject.recordingId ? { recordingId: text.recordingId ?? subject.recordingId } : {}),
      chunkCount: chunks.length,
      ...(recordingStartTime ? { recordingStartTime: recordingStartTime.toISOString() } : {}),
      ...(typeof duration === "number" ? { recordingDurationMs: duration } : {}),
      ...(text.sessionEndReason ? { sessionEndReason: text.sessionEndReason } : {}),
      ...(text.recordingContentType ? { contentType: text.recordingContentType } : {}),
      ...(text.recordingChannelType ? { channelType: text.recordingChannelType } : {}),
      ...(text.recordingFormatType ? { formatType: text.recordingFormatType } : {}),
      ...(text.storageType ? { storageType: text.storageType } : {}),
    };
  });
  for (const message of messages) {
    if (encodeChunkMessage(message).length > MAX_ENCODED_MESSAGE_BYTES) {
      throw new InvalidEventError("data", `makes a chunk message over ${MAX_ENCODED_MESSAGE_BYTES} bytes.`);
    }
  }
  return messages;
}

function checkSource(event: EventEnvelope, policy: RecordingEventPolicy): string {
  const source = event.source;
  if (source !== undefined && source !== null && typeof source !== "string") throw new InvalidEventError(event.fields.source, "must be a string.");
  if (policy.allowedAcsResources.length === 0) return typeof source === "string" ? normalizeResourceId(source) : "";
  if (!isNonEmptyString(source)) throw new InvalidEventError(event.fields.source, "is required when ALLOWED_ACS_RESOURCES is set.");
  const normalized = normalizeResourceId(source);
  if (!policy.allowedAcsResources.includes(normalized)) {
    throw new InvalidEventError(event.fields.source, `names ${printable(source)}, which is not in ALLOWED_ACS_RESOURCES.`);
  }
  return normalized;
}

function requireText(value: unknown, field: string): string {
  if (!isNonEmptyString(value) || value.length > 256) throw new InvalidEventError(field, "must be a non-empty string of at most 256 characters.");
  return value;
}

function requireDate(value: unknown, field: string): Date {
  const date = parseIsoDateTime(value);
  if (!date) throw new InvalidEventError(field, "must be an ISO 8601 date-time.");
  return date;
}
