export { createCallRecordingSimulator } from "./callRecordingSimulator";
export type {
  CallAutomationRequestRecord,
  CallRecordingFault,
  CallRecordingOperation,
  CallRecordingSimulator,
  CallRecordingSimulatorOptions,
} from "./callRecordingSimulator";
export type {
  PauseInterval,
  SimRecording,
  SimRecordingChannel,
  SimRecordingContent,
  SimRecordingFormat,
  SimRecordingPhase,
  StoppedRecording,
} from "./recordingSessions";
