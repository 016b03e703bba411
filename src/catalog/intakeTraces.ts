import { createHash } from "node:crypto";
import { anomalyList, type ChunkAnomaly } from "../queue/chunkAnomalies";
import { tracesFolder } from "../layout/catalogLayout";
import type { ExpectedRecording } from "./expectedRecords";

/**
 * The intake traces of one recording: `expected.json`, written once by the recording's first event, and one record
 * per later event that named chunks of the same folder, `archive-catalog/<call>/<recording>/traces/<hash>.json`
 * (same schema as expected.json, plus `firstEventId`). A folder's name comes from event fields alone (call id,
 * recording id, start time), so an event can name any recording's folder: a chunk that the first trace did not
 * announce — or that came from another ACS resource than it — is archived (a real recording's chunks may arrive in
 * more than one event, and a refused chunk is lost within a day) but marked in the manifest and the status API.
 */

/** How a chunk came to be in its recording's folder, as its intake traces tell it. */
export type IntakeTrace =
  /** Listed in the recording's first trace, and from the ACS resource that trace names. */
  | "announced"
  /** Listed only in a later event's trace (same resource): a chunk the first event did not announce. */
  | "laterEvent"
  /** Its event (or its archived blobs) came from another ACS resource than the first trace's. */
  | "otherResource"
  /** No trace names it although the recording has one (archived from a message intake did not queue). */
  | "none";

export interface RecordingTraces {
  /** `expected.json`: the first event's trace; absent for recordings archived before intake kept traces. */
  readonly first?: ExpectedRecording;
  readonly later: readonly ExpectedRecording[];
  /** True when more later traces exist than were read. */
  readonly truncated: boolean;
}

/** The name of a later event's trace: the same event (id, resource and chunks) always gets the same name. */
export function laterTraceName(recordingFolder: string, trace: ExpectedRecording): string {
  const identity = [
    trace.eventId,
    trace.acsResource ?? "",
    ...trace.chunks.map((chunk) => chunk.documentId).sort(),
  ].join("\n");
  return `${tracesFolder(recordingFolder)}${createHash("sha256").update(identity, "utf8").digest("hex").slice(0, 40)}.json`;
}

/** True when `first` already records this event's chunks (a redelivery of the first event): no later trace is needed. */
export function coversEvent(first: ExpectedRecording, trace: ExpectedRecording): boolean {
  const listed = new Set(first.chunks.map((chunk) => chunk.documentId));
  return (
    first.eventId === trace.eventId &&
    first.acsResource === trace.acsResource &&
    trace.chunks.every((chunk) => listed.has(chunk.documentId))
  );
}

/**
 * How one chunk joined its folder. `archivedResource` is the ACS resource its archived blobs record (undefined when not
 * archived). Undefined when the recording has no first trace: there is nothing to compare against.
 */
export function intakeTraceOf(
  documentId: string,
  archivedResource: string | null | undefined,
  traces: RecordingTraces,
): IntakeTrace | undefined {
  const first = traces.first;
  if (!first) return undefined;
  const sameResource = (resource: string | null): boolean => resource === first.acsResource;
  if (archivedResource !== undefined && !sameResource(archivedResource)) return "otherResource";
  if (first.chunks.some((chunk) => chunk.documentId === documentId)) return "announced";
  const later = traces.later.filter((trace) => trace.chunks.some((chunk) => chunk.documentId === documentId));
  if (later.length === 0) return "none";
  return later.every((trace) => sameResource(trace.acsResource)) ? "laterEvent" : "otherResource";
}

/**
 * A chunk's anomalies as the status API and the manifest show them: those recorded at intake (queued records), plus
 * `unannounced` when its intake trace is anything but `announced` — so `anomalies` alone tells a reader whether
 * anything about the chunk was odd, and `intakeTrace` says how it came.
 */
export function anomaliesWithTrace(
  recorded: readonly ChunkAnomaly[] | undefined,
  trace: IntakeTrace | undefined,
): ChunkAnomaly[] {
  return anomalyList([...(recorded ?? []), ...(trace !== undefined && trace !== "announced" ? ["unannounced"] : [])]);
}
