import type { ContainerClient } from "@azure/storage-blob";
import { mapConcurrent } from "../shared/mapConcurrent";
import { listWithMetadata, readJsonBlob } from "./boundedReads";
import { expectedRecordName, tracesFolder } from "../layout/catalogLayout";
import { MAX_EXPECTED_RECORD_BYTES, readExpectedRecording, type ExpectedRecording } from "./expectedRecords";
import type { RecordingTraces } from "./intakeTraces";

/** Later traces read per recording (a listing bound: a real recording has a handful of events). */
const MAX_LATER_TRACES = 200;
/**
 * Chunks read per recording across its traces. A real recording has a handful (one per 4 h or 1.5 GB), named again by
 * each of its few events; a flood of forged 1,000-chunk events could otherwise put 200,000 chunks (about 75 MiB of
 * heap) into every reading of the recording (the deadline watch reads four at once, the status API and the archive
 * job's catalogue step more).
 */
const MAX_TRACED_CHUNKS = 10_000;
/** Later traces read side by side. */
const READ_CONCURRENCY = 8;

/**
 * The traces of one recording: its expected record (read here unless given) and its later traces, bounded by count
 * (MAX_LATER_TRACES) and by chunks (MAX_TRACED_CHUNKS: no trace is started once they are passed); `truncated` when a
 * bound left some out.
 */
export async function readRecordingTraces(
  container: ContainerClient,
  recordingFolder: string,
  first?: ExpectedRecording | null,
): Promise<RecordingTraces> {
  const [expected, listed] = await Promise.all([
    first === undefined
      ? readJsonBlob(container, expectedRecordName(recordingFolder), MAX_EXPECTED_RECORD_BYTES).then(
          readExpectedRecording,
        )
      : Promise.resolve(first ?? undefined),
    listWithMetadata(container, tracesFolder(recordingFolder), MAX_LATER_TRACES),
  ]);
  let chunks = expected?.chunks.length ?? 0;
  const enough = new AbortController();
  const read = await mapConcurrent(
    listed.blobs,
    READ_CONCURRENCY,
    async (blob) => {
      const trace = readExpectedRecording(await readJsonBlob(container, blob.name, MAX_EXPECTED_RECORD_BYTES));
      chunks += trace?.chunks.length ?? 0;
      if (chunks >= MAX_TRACED_CHUNKS) enough.abort();
      return trace;
    },
    { abortSignal: enough.signal },
  );
  const later: ExpectedRecording[] = [];
  let leftOut = false;
  for (const result of read) {
    if (result.status === "rejected") {
      if (!enough.signal.aborted || result.reason !== enough.signal.reason) throw result.reason;
      leftOut = true;
      continue;
    }
    if (result.value && result.value.recordingFolder === recordingFolder) later.push(result.value);
  }
  return { ...(expected ? { first: expected } : {}), later, truncated: listed.truncated || leftOut };
}
