import { randomUUID } from "node:crypto";
import {
  RECORDING_EVENT_TYPE,
  type CloudEvent,
  type EventGridEvent,
  type RecordingChunkInfo,
  type RecordingChunkSpec,
  type RecordingEventSpec,
  type RecordingFileStatusUpdatedData,
  type SubjectShape,
} from "./eventTypes";
import type { DocumentUrls, MediaFormat } from "./types";

export const DEFAULT_TOPIC =
  "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Communication/communicationServices/acs-sim";

export interface RecordingEventDependencies {
  /** The topic when the spec names neither `topic` nor `resourceId`. */
  readonly defaultTopic: string;
  /** Registers a chunk's document when the simulator does not hold it yet. */
  ensureDocument(chunk: RecordingChunkSpec, callId: string, index: number, chunkStartTime: string): void;
  urls(documentId: string): DocumentUrls;
}

const FORMAT_TYPES: Record<MediaFormat, "Mp4" | "Mp3" | "Wav"> = { mp4: "Mp4", mp3: "Mp3", wav: "Wav" };

/** Builds a Microsoft.Communication.RecordingFileStatusUpdated event in Event Grid or CloudEvents schema. */
export function buildRecordingEvent(
  spec: RecordingEventSpec,
  deps: RecordingEventDependencies,
): EventGridEvent | CloudEvent {
  if (spec.chunks.length === 0) throw new Error("a recording event needs at least one chunk");
  const era = spec.era ?? "ga";
  const callId = spec.callId ?? randomUUID();
  const durationMs = spec.recordingDurationMs ?? 60_000;
  const eventTime = spec.eventTime ?? new Date().toISOString();
  const startTime = spec.recordingStartTime ?? new Date(Date.parse(eventTime) - durationMs - 120_000).toISOString();

  const recordingChunks = spec.chunks.map((chunk, position): RecordingChunkInfo => {
    const index = chunk.index ?? position;
    deps.ensureDocument(chunk, callId, index, startTime);
    const info: RecordingChunkInfo = {
      documentId: chunk.documentId,
      index,
      endReason: chunk.endReason ?? (position === spec.chunks.length - 1 ? "SessionEnded" : "ChunkMaximumSizeExceeded"),
    };
    if (era === "preview") return info;
    const urls = deps.urls(chunk.documentId);
    return {
      ...info,
      contentLocation: urls.contentLocation,
      metadataLocation: urls.metadataLocation,
      deleteLocation: urls.deleteLocation,
    };
  });

  const data: RecordingFileStatusUpdatedData = {
    recordingStorageInfo: { recordingChunks },
    recordingStartTime: startTime,
    recordingDurationMs: durationMs,
    sessionEndReason: spec.sessionEndReason ?? "CallEnded",
  };
  if (era === "ga") {
    const format = spec.chunks[0]?.format ?? "mp4";
    data.recordingContentType = format === "mp4" ? "AudioVideo" : "Audio";
    data.recordingChannelType = "Mixed";
    data.recordingFormatType = FORMAT_TYPES[format];
  }

  const shape: SubjectShape = spec.subjectShape ?? (era === "preview" ? "call" : "serverCallId");
  const subject = subjectOf(shape, callId, spec.serverCallId, spec.recordingId);
  const id = spec.id ?? randomUUID();
  const topic = spec.topic ?? spec.resourceId ?? deps.defaultTopic;
  if (spec.schema === "cloudevents") {
    return {
      id,
      source: topic,
      subject,
      type: RECORDING_EVENT_TYPE,
      time: eventTime,
      data,
      specversion: "1.0",
      datacontenttype: "application/json",
    };
  }
  return {
    id,
    topic,
    subject,
    eventType: RECORDING_EVENT_TYPE,
    eventTime,
    data,
    dataVersion: "1.0",
    metadataVersion: "1",
  };
}

function subjectOf(shape: SubjectShape, callId: string, serverCallId?: string, recordingId?: string): string {
  const call = `/recording/call/${callId}`;
  if (shape === "call") return call;
  const recording = recordingId ?? randomUUID();
  if (shape === "recordingId") return `${call}/recordingId/${recording}`;
  return `${call}/serverCallId/${serverCallId ?? defaultServerCallId(callId)}/recordingId/${recording}`;
}

/** A serverCallId looks like base64url of a conversation URL (reference section 2). */
function defaultServerCallId(callId: string): string {
  return Buffer.from(`https://api.flightproxy.skype.com/api/v2/cp/conv-sim/conversations/${callId}`).toString(
    "base64url",
  );
}
