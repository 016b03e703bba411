import type { ContainerClient } from "@azure/storage-blob";
import { mapConcurrent } from "../shared/mapConcurrent";
import { listWithMetadata, readJsonBlob } from "./boundedReads";
import { expectedRecordName, tracesFolder } from "../layout/catalogLayout";
import { MAX_EXPECTED_RECORD_BYTES, readExpectedRecording, type ExpectedRecording } from "./expectedRecords";
import type { RecordingTraces } from "./intakeTraces";

/** Later traces read per recording (a listing bound: a real recording has a handful of events). */
const MAX_LATER_TRACES = 200;

/** The traces of one recording: its expected record (read here unless given) and its later traces, bounded. */
export async function readRecordingTraces(container: ContainerClient, recordingFolder: string, first?: ExpectedRecording | null): Promise<RecordingTraces> {
  const [expected, listed] = await Promise.all([
    first === undefined
      ? readJsonBlob(container, expectedRecordName(recordingFolder), MAX_EXPECTED_RECORD_BYTES).then(readExpectedRecording)
      : Promise.resolve(first ?? undefined),
    listWithMetadata(container, tracesFolder(recordingFolder), MAX_LATER_TRACES),
  ]);
  const read = await mapConcurrent(listed.blobs, 8, async (blob) => readExpectedRecording(await readJsonBlob(container, blob.name, MAX_EXPECTED_RECORD_BYTES)));
  const later: ExpectedRecording[] = [];
  for (const result of read) {
    if (result.status === "rejected") throw result.reason;
    if (result.value && result.value.recordingFolder === recordingFolder) later.push(result.value);
  }
  return { ...(expected ? { first: expected } : {}), later, truncated: listed.truncated };
}
