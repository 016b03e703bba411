/** Every function the app registers (README: what the app does): the tests that load the compiled app check against it. */
export const APP_FUNCTIONS = [
  "archiveChunk",
  "archiveStatus",
  "getParticipantRecordings",
  "participantLookupMoved",
  "getRecordingState",
  "health",
  "pauseRecording",
  "recordingEventsGrid",
  "recordingEventsWebhook",
  "rescuePoisonedChunk",
  "resumeRecording",
  "startRecording",
  "stopRecording",
  "watchDeadlines",
] as const;
