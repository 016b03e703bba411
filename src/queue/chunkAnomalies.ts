/**
 * Something odd about a chunk that did not stop it from being archived. A rule refuses an event only when taking
 * it would be unsafe (a signed request to a host we do not trust, another document archived under the chunk's
 * name, a name that escapes its folder); anything else is archived and the oddity recorded: intake writes the
 * chunk's codes once into its queued record (src/catalog/queuedChunks.ts), the status API and the manifest show them
 * as `anomalies: [...]` on the chunk, and one log line names them. The archiver adds codes it finds itself (the
 * same vocabulary), and the status API and the manifest add `unannounced` from the chunk's intake traces
 * (src/catalog/intakeTraces.ts: `intakeTrace` says how it came), so a chunk carries one list whoever noticed.
 */
export const CHUNK_ANOMALIES = {
  deleteLocationNamesOtherDocument:
    "its deleteLocation names another document than the chunk's own; it is never called",
  deleteLocationNotAllowed: "its deleteLocation is not a URL on an allowed ACS host; it is never called",
  chunkListedTwice: "the event lists the same chunk (documentId and index) twice; it is archived once",
  indexRepeated: "another chunk of the event has the same index; each is archived under its own documentId",
  documentIdRepeated: "the event lists the chunk's documentId again with another index",
  indexAsText: "its index came as a decimal string",
  endReasonUnreadable: "its endReason was not a string; it was left out",
  recordingStartTimeUnreadable: "the event's recordingStartTime was not an ISO 8601 date-time; it was left out",
  recordingDurationUnreadable: "the event's recordingDurationMs was not a non-negative number; it was left out",
  unannounced:
    "the recording's first event did not list the chunk: it came in a later event, from another ACS resource, or with no intake trace (`intakeTrace` says which); it is archived all the same",
  recordingFieldUnreadable:
    "a descriptive field of the event (recording*Type, sessionEndReason, storageType, recordingId) was not a string of at most 256 characters; it was left out",
} as const;

export type ChunkAnomaly = keyof typeof CHUNK_ANOMALIES;

function isChunkAnomaly(value: unknown): value is ChunkAnomaly {
  return typeof value === "string" && Object.hasOwn(CHUNK_ANOMALIES, value);
}

/** The known codes among `values`, each once, sorted (a stable list whatever the order they were found in). */
export function anomalyList(values: Iterable<unknown>): ChunkAnomaly[] {
  return [...new Set([...values].filter(isChunkAnomaly))].sort();
}
