import type { PlannedRecording } from "./chunkPlan";
import type { SoakReport } from "./soakReport";

/** What the plan holds, for the report. */
export function planFigures(recordings: readonly PlannedRecording[]): SoakReport["plan"] {
  const chunks = recordings.flatMap((recording) => recording.chunks);
  const faultsPlanned: Record<string, number> = {};
  for (const label of chunks.flatMap((chunk) => chunk.faultLabels))
    faultsPlanned[label] = (faultsPlanned[label] ?? 0) + 1;
  return {
    recordings: recordings.length,
    chunks: chunks.length,
    permanentChunks: chunks.filter((chunk) => chunk.permanent).length,
    faultyDocuments: chunks.filter((chunk) => !chunk.permanent && chunk.faults.length > 0).length,
    ignoreRangeDocuments: chunks.filter((chunk) => chunk.ignoreRange).length,
    previewRecordings: recordings.filter((recording) => recording.era === "preview").length,
    repeatedEvents: recordings.filter((recording) => recording.copies > 1).length,
    totalBytes: chunks.reduce((sum, chunk) => sum + chunk.size, 0),
    largestBytes: chunks.reduce((max, chunk) => Math.max(max, chunk.size), 0),
    faultsPlanned,
  };
}
