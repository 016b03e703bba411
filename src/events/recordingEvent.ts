import type { AcsRecordingFileStatusUpdatedEventData } from "@azure/eventgrid";
import { InvalidEventError } from "../errors";
import { isNonEmptyString, isRecord } from "../shared/untrustedJson";
import { parseIsoDateTime } from "../shared/isoDateTime";
import { printable } from "../shared/logSafe";
import { ACS_RESOURCE_ID_SHAPE, isAcsResourceId, normalizeResourceId } from "../config/acsResourceId";
import { anomalyList, type ChunkAnomaly } from "../queue/chunkAnomalies";
import { chunkKey, encodeChunkMessage, MAX_ENCODED_MESSAGE_BYTES, type ChunkMessage } from "../queue/chunkMessage";
import type { LocationPolicy } from "../queue/chunkLocations";
import type { EventEnvelope } from "./eventEnvelope";
import { chunkList, readChunks, type RecordingChunk } from "./recordingChunk";
import { parseRecordingSubject } from "./recordingSubject";

/** What intake checks a RecordingFileStatusUpdated event against. */
export interface RecordingEventPolicy extends LocationPolicy {
  readonly allowedAcsResources: readonly string[];
  readonly retentionHours: number;
}

/** How far an eventTime may lie ahead of our clock (clock skew); later ones are rejected. */
const MAX_EVENT_TIME_AHEAD_MS = 3_600_000;

/** `data` text fields and the chunk message fields they become. */
const DATA_TEXT_FIELDS = {
  recordingContentType: "contentType",
  recordingChannelType: "channelType",
  recordingFormatType: "formatType",
  sessionEndReason: "sessionEndReason",
  storageType: "storageType",
  recordingId: "recordingId",
} as const;

/** The fields every chunk message of one event shares. */
type RecordingFields = Omit<
  ChunkMessage,
  | "chunkKey"
  | "documentId"
  | "index"
  | "endReason"
  | "contentLocation"
  | "metadataLocation"
  | "deleteLocation"
  | "chunkCount"
  | "anomalies"
> & { readonly anomalies: readonly ChunkAnomaly[] };

/**
 * Validates one RecordingFileStatusUpdated event and returns one chunk message per chunk, or throws
 * InvalidEventError naming the first offending field. Every chunk (and each of its URLs) is checked
 * before anything is returned. Only what would make the archive unsafe or impossible is refused; an odd
 * descriptive field is left out and recorded on each chunk as an anomaly (chunkAnomalies.ts).
 */
export function chunkMessagesFromEvent(
  event: EventEnvelope,
  policy: RecordingEventPolicy,
  now: Date = new Date(),
): ChunkMessage[] {
  const recording = recordingFields(event, policy, now);
  const chunks = readChunks(chunkList(event.data), policy);
  const messages = chunks.map((chunk) => chunkMessage(recording, chunk, chunks.length));
  for (const message of messages) {
    if (encodeChunkMessage(message).length > MAX_ENCODED_MESSAGE_BYTES)
      throw new InvalidEventError("data", `makes a chunk message over ${MAX_ENCODED_MESSAGE_BYTES} bytes.`);
  }
  return messages;
}

/** Envelope (id, time, source), subject ids and the recording's `data` fields, checked. */
function recordingFields(event: EventEnvelope, policy: RecordingEventPolicy, now: Date): RecordingFields {
  const eventId = requireText(event.id, event.fields.id);
  const eventTime = requireEventTime(event.time, event.fields.time, now);
  const resource = checkSource(event, policy);
  if (!isRecord(event.data)) throw new InvalidEventError("data", "must be an object.");
  const fields = event.data as Record<string, unknown> &
    Partial<Record<keyof AcsRecordingFileStatusUpdatedEventData, unknown>>;
  // Descriptive fields: an unreadable one is left out (an anomaly), never a reason to lose the recording.
  const anomalies: ChunkAnomaly[] = [];
  const start =
    fields.recordingStartTime === undefined || fields.recordingStartTime === null
      ? undefined
      : parseIsoDateTime(fields.recordingStartTime);
  if (start === undefined && fields.recordingStartTime !== undefined && fields.recordingStartTime !== null)
    anomalies.push("recordingStartTimeUnreadable");
  const given = fields.recordingDurationMs;
  const duration = typeof given === "number" && Number.isFinite(given) && given >= 0 ? given : undefined;
  if (duration === undefined && given !== undefined && given !== null) anomalies.push("recordingDurationUnreadable");
  const text: Partial<Record<(typeof DATA_TEXT_FIELDS)[keyof typeof DATA_TEXT_FIELDS], string>> = {};
  for (const [field, target] of Object.entries(DATA_TEXT_FIELDS) as [
    keyof typeof DATA_TEXT_FIELDS,
    (typeof DATA_TEXT_FIELDS)[keyof typeof DATA_TEXT_FIELDS],
  ][]) {
    const value = fields[field];
    if (value === undefined || value === null) continue;
    if (typeof value !== "string" || value.length > 256) anomalies.push("recordingFieldUnreadable");
    else text[target] = value;
  }
  const subject = parseRecordingSubject(event.subject);
  const recordingId = text.recordingId ?? subject.recordingId;
  return {
    version: 1,
    resource,
    eventId,
    eventTime: eventTime.toISOString(),
    deadline: new Date(eventTime.getTime() + policy.retentionHours * 3_600_000).toISOString(),
    ...(subject.callId ? { callId: subject.callId } : {}),
    ...(subject.serverCallId ? { serverCallId: subject.serverCallId } : {}),
    ...(recordingId ? { recordingId } : {}),
    ...(start ? { recordingStartTime: start.toISOString() } : {}),
    ...(duration !== undefined ? { recordingDurationMs: duration } : {}),
    ...(text.sessionEndReason ? { sessionEndReason: text.sessionEndReason } : {}),
    ...(text.contentType ? { contentType: text.contentType } : {}),
    ...(text.channelType ? { channelType: text.channelType } : {}),
    ...(text.formatType ? { formatType: text.formatType } : {}),
    ...(text.storageType ? { storageType: text.storageType } : {}),
    anomalies,
  };
}

/** The message of one chunk: the recording's fields plus the chunk's own. */
function chunkMessage(recording: RecordingFields, chunk: RecordingChunk, chunkCount: number): ChunkMessage {
  const { version, resource, eventId, eventTime, deadline, anomalies: recordingAnomalies, ...rest } = recording;
  const anomalies = anomalyList([...recordingAnomalies, ...chunk.anomalies]);
  return {
    version,
    chunkKey: chunkKey(resource, chunk.documentId, chunk.index),
    resource,
    documentId: chunk.documentId,
    index: chunk.index,
    ...(chunk.endReason !== undefined ? { endReason: chunk.endReason } : {}),
    ...chunk.locations,
    eventId,
    eventTime,
    deadline,
    chunkCount,
    ...rest,
    ...(anomalies.length > 0 ? { anomalies } : {}),
  };
}

/**
 * `topic` / `source`: required, with the shape of an ACS resource id, whether or not ALLOWED_ACS_RESOURCES is set.
 * Event Grid names the sending resource in every event it delivers (the webhook's and the Event Grid trigger's
 * alike), so refusing an event without one loses no real recording; the SDKs' own test events, which have none or
 * only `/subscriptions/{id}`, are refused (docs/architecture.md, "Which rules refuse, and which only record").
 */
function checkSource(event: EventEnvelope, policy: RecordingEventPolicy): string {
  const source = event.source;
  if (!isNonEmptyString(source)) {
    throw new InvalidEventError(
      event.fields.source,
      "is required: Event Grid names the ACS resource that sent every event it delivers.",
    );
  }
  if (!isAcsResourceId(source)) {
    throw new InvalidEventError(
      event.fields.source,
      `is not an ACS resource id (${ACS_RESOURCE_ID_SHAPE}): ${printable(source)}.`,
    );
  }
  const normalized = normalizeResourceId(source);
  if (policy.allowedAcsResources.length > 0 && !policy.allowedAcsResources.includes(normalized)) {
    throw new InvalidEventError(
      event.fields.source,
      `names ${printable(source)}, which is not in ALLOWED_ACS_RESOURCES.`,
    );
  }
  return normalized;
}

function requireText(value: unknown, field: string): string {
  if (!isNonEmptyString(value) || value.length > 256)
    throw new InvalidEventError(field, "must be a non-empty string of at most 256 characters.");
  return value;
}

function requireDate(value: unknown, field: string): Date {
  const date = parseIsoDateTime(value);
  if (!date) throw new InvalidEventError(field, "must be an ISO 8601 date-time.");
  return date;
}

/** An ISO 8601 date-time no more than MAX_EVENT_TIME_AHEAD_MS ahead of `now` (it sets the chunk's deadline). */
function requireEventTime(value: unknown, field: string, now: Date): Date {
  const time = requireDate(value, field);
  if (time.getTime() > now.getTime() + MAX_EVENT_TIME_AHEAD_MS) {
    throw new InvalidEventError(
      field,
      `lies more than an hour in the future (${time.toISOString()}; now ${now.toISOString()}).`,
    );
  }
  return time;
}
