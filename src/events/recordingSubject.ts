/** Identifiers carried in a RecordingFileStatusUpdated `subject`. */
export interface RecordingSubject {
  readonly callId?: string;
  readonly serverCallId?: string;
  readonly recordingId?: string;
}

// Three shapes are known:
//   /recording/call/{callId}
//   /recording/call/{callId}/recordingId/{recordingId}
//   /recording/call/{callId}/serverCallId/{serverCallId}/recordingId/{recordingId}
// A serverCallId is base64 and may itself contain "/", so it is matched up to "/recordingId/".
const SUBJECT = /^\/?recording\/call\/([^/]+)(?:\/serverCallId\/(.+?))?(?:\/recordingId\/([^/]+))?\/?$/i;

/** Parses what it can; an unknown or missing subject yields no ids rather than an error. */
export function parseRecordingSubject(subject: unknown): RecordingSubject {
  if (typeof subject !== "string") return {};
  const match = SUBJECT.exec(subject.trim());
  if (!match) return {};
  const [, callId, serverCallId, recordingId] = match;
  return {
    ...(callId ? { callId: decodeSegment(callId) } : {}),
    ...(serverCallId ? { serverCallId: decodeSegment(serverCallId) } : {}),
    ...(recordingId ? { recordingId: decodeSegment(recordingId) } : {}),
  };
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
