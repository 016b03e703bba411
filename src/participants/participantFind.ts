import type { ContainerClient } from "@azure/storage-blob";
import { mapConcurrent } from "../shared/mapConcurrent";
import type { ParticipantIndex } from "./participantIndex";
import { describeRecording, type RecordingSummary } from "./recordingInventory";

/** Recording folders described at once. */
const DESCRIBE_CONCURRENCY = 4;

/** What `participants find --json` prints and `GET /api/archive/participants/{participantId}` answers. */
export interface ParticipantRecordings {
  /** The participant as its keyed hash (HMAC-SHA-256 with PARTICIPANT_INDEX_KEY): the raw id is never echoed. */
  readonly participant: string;
  readonly recordings: readonly RecordingSummary[];
  /** Indexed folders that hold no blob any more (erased or moved): listed, not counted. */
  readonly staleEntries: readonly string[];
  readonly totals: { readonly recordings: number; readonly chunks: number; readonly blobs: number; readonly bytes: number };
}

/** Every archived recording of one participant: one index listing, then one listing per recording folder. */
export async function findParticipant(
  index: ParticipantIndex,
  recordings: ContainerClient,
  participantId: string,
  signal?: AbortSignal,
): Promise<ParticipantRecordings> {
  const participant = index.keyOf(participantId);
  const folders = await index.foldersOf(participant, signal);
  const settled = await mapConcurrent(folders, DESCRIBE_CONCURRENCY, (folder) => describeRecording(recordings, folder, signal));
  const described: RecordingSummary[] = [];
  for (const result of settled) {
    if (result.status === "rejected") throw result.reason;
    described.push(result.value);
  }
  const found = described.filter((recording) => recording.files.length > 0);
  return {
    participant,
    recordings: found,
    staleEntries: described.filter((recording) => recording.files.length === 0).map((recording) => recording.folder),
    totals: {
      recordings: found.length,
      chunks: found.reduce((sum, recording) => sum + recording.chunks, 0),
      blobs: found.reduce((sum, recording) => sum + recording.files.length, 0),
      bytes: found.reduce((sum, recording) => sum + recording.bytes, 0),
    },
  };
}
