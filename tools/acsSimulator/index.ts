export { startAcsSimulator } from "./startAcsSimulator";
export type {
  AcsSimulator,
  ArmedFault,
  DocumentUrls,
  EndpointRoute,
  FaultKind,
  FaultSpec,
  FaultTarget,
  MediaFormat,
  PostEventsOptions,
  SimCounters,
  SimCounts,
  SimDocument,
  SimDocumentOptions,
  SimListenerName,
  SimKeyName,
  SimRequestRecord,
  SimResource,
  SimResourceOptions,
  StartAcsSimulatorOptions,
} from "./types";
export type {
  CloudEvent,
  EventGridEvent,
  RecordingChunkInfo,
  RecordingChunkSpec,
  RecordingEventSpec,
  RecordingFileStatusUpdatedData,
  SubjectShape,
} from "./eventTypes";
export { RECORDING_EVENT_TYPE } from "./eventTypes";
export { DEFAULT_TOPIC } from "./recordingEvent";
export { DEFAULT_MAX_CLOCK_SKEW_MS, sha256Base64 } from "./hmacVerifier";
export { PREVIEW_2021_API_VERSION } from "./recordingRoutes";
export { PATTERN_BYTES, SEGMENT_BYTES } from "./documentContent";
export { postEvents } from "./postEvents";
