import { InvalidDeliveryError } from "../errors";
import { chunkBlobNames } from "../layout/blobLayout";
import type { ChunkMessage } from "../queue/chunkMessage";
import { readEnvelope, RECORDING_FILE_STATUS_UPDATED } from "../events/eventEnvelope";
import { isRecord } from "../shared/untrustedJson";
import { INTAKE_LIMIT_SETTINGS, type IntakeLimits } from "../config/intakeLimits";

/**
 * Before any validation (a count, no parsing beyond what the body already is): the events, and the chunk entries
 * listed by its RecordingFileStatusUpdated events, valid or not. Returns the error to answer with, or undefined.
 */
export function deliveryOverLimit(events: readonly unknown[], limits: IntakeLimits): InvalidDeliveryError | undefined {
  if (events.length > limits.maxEvents) return overLimit("TooManyEvents", "events", events.length, limits, "maxEvents");
  let chunks = 0;
  for (const raw of events) {
    const envelope = readEnvelope(raw);
    if (envelope?.type !== RECORDING_FILE_STATUS_UPDATED || !isRecord(envelope.data)) continue;
    const storageInfo = envelope.data["recordingStorageInfo"];
    const listed = isRecord(storageInfo) ? storageInfo["recordingChunks"] : undefined;
    if (Array.isArray(listed)) chunks += listed.length;
  }
  if (chunks > limits.maxChunks) return overLimit("TooManyChunks", "chunks", chunks, limits, "maxChunks");
  return undefined;
}

/** After validation: the distinct recordings (folders) the valid events name. */
export function recordingsOverLimit(
  messages: readonly ChunkMessage[],
  limits: IntakeLimits,
): InvalidDeliveryError | undefined {
  const recordings = new Set(messages.map((message) => chunkBlobNames(message).folder)).size;
  return recordings > limits.maxRecordings
    ? overLimit("TooManyRecordings", "recordings", recordings, limits, "maxRecordings")
    : undefined;
}

function overLimit(
  code: "TooManyEvents" | "TooManyChunks" | "TooManyRecordings",
  what: string,
  found: number,
  limits: IntakeLimits,
  bound: keyof IntakeLimits,
): InvalidDeliveryError {
  const setting = INTAKE_LIMIT_SETTINGS[bound];
  return new InvalidDeliveryError(
    code,
    `The delivery names ${found} ${what}, more than ${setting} (${limits[bound]}) allows; nothing of it was queued, and it is kept in the quarantine container.`,
    { target: setting },
  );
}
