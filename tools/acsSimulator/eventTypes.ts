import type { MediaFormat } from "./types";

export const RECORDING_EVENT_TYPE = "Microsoft.Communication.RecordingFileStatusUpdated";

/** Event Grid schema envelope (what a webhook receives, one element of the JSON array). */
export interface EventGridEvent<TData = RecordingFileStatusUpdatedData> {
  id: string;
  topic: string;
  subject: string;
  eventType: string;
  eventTime: string;
  data: TData;
  dataVersion: string;
  metadataVersion: string;
}

/** CloudEvents 1.0 envelope. */
export interface CloudEvent<TData = RecordingFileStatusUpdatedData> {
  id: string;
  source: string;
  subject: string;
  type: string;
  time: string;
  data: TData;
  specversion: "1.0";
  datacontenttype: string;
}

/** One chunk of `data.recordingStorageInfo.recordingChunks` (GA adds the three locations). */
export interface RecordingChunkInfo {
  documentId: string;
  index: number;
  endReason: string;
  contentLocation?: string;
  metadataLocation?: string;
  deleteLocation?: string;
}

export interface RecordingFileStatusUpdatedData {
  recordingStorageInfo: { recordingChunks: RecordingChunkInfo[] };
  recordingStartTime: string;
  recordingDurationMs: number;
  sessionEndReason: string;
  recordingContentType?: "AudioVideo" | "Audio";
  recordingChannelType?: "Mixed" | "Unmixed";
  recordingFormatType?: "Mp4" | "Mp3" | "Wav";
}

/**
 * The three subject shapes seen in the wild (reference section 1):
 * "call": /recording/call/{callId}
 * "recordingId": /recording/call/{callId}/recordingId/{recordingId}
 * "serverCallId": /recording/call/{callId}/serverCallId/{serverCallId}/recordingId/{recordingId}
 */
export type SubjectShape = "call" | "recordingId" | "serverCallId";

export interface RecordingChunkSpec {
  documentId: string;
  /** Media size; used to register the document when it is missing. */
  size: number;
  format?: MediaFormat;
  /** Default: "SessionEnded" for the last chunk, "ChunkMaximumSizeExceeded" before it. */
  endReason?: string;
  /** Default: the chunk's position in `chunks`. */
  index?: number;
}

export interface RecordingEventSpec {
  schema?: "eventgrid" | "cloudevents";
  /** The simulator resource (id) whose recording this is: the event's topic unless `topic` is given, and the owner of the documents it registers. Default: the first resource. */
  resourceId?: string;
  /** "ga" (default): chunk locations and recording types; "preview": the 2021 shape of the seeds. */
  era?: "ga" | "preview";
  topic?: string;
  callId?: string;
  serverCallId?: string;
  recordingId?: string;
  /** Default: "call" for the preview era, "serverCallId" for GA. */
  subjectShape?: SubjectShape;
  eventTime?: string;
  id?: string;
  chunks: RecordingChunkSpec[];
  recordingStartTime?: string;
  recordingDurationMs?: number;
  sessionEndReason?: string;
}
