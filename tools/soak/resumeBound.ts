import type { SimCounts } from "../acsSimulator";
import type { ChunkActivity } from "./chunkActivity";
import type { ExpectedChunk } from "./expectedChunk";

/**
 * The resume contract: an interrupted delivery costs at most DOWNLOAD_CONCURRENCY x DOWNLOAD_BLOCK_SIZE
 * of bytes downloaded again. For a chunk read with ranged GETs whose deliveries never overlapped, the bytes ACS
 * served may exceed its size by at most that much per interrupted invocation, plus one block per injected fault
 * (a broken first response is fetched again). Chunks read as one stream (server ignores Range) or raced by a
 * duplicate message are not bound by it.
 */
export function resumeBound(
  chunk: ExpectedChunk,
  activity: ChunkActivity | undefined,
  counts: SimCounts | undefined,
  blockSize: number,
  concurrency: number,
): { checked: boolean; violation?: string } {
  if (chunk.permanent || chunk.ignoreRange || !activity || !counts || activity.overlapped) return { checked: false };
  const interrupted = activity.killed + activity.failed;
  const faults = Object.values(counts.faultsInjected).reduce((sum, value) => sum + value, 0);
  const allowed = chunk.size + interrupted * concurrency * blockSize + faults * blockSize;
  if (counts.contentBytesServed <= allowed) return { checked: true };
  return {
    checked: true,
    violation: `${counts.contentBytesServed} bytes served for ${chunk.size} (${interrupted} interrupted invocations, ${faults} faults; at most ${allowed} allowed)`,
  };
}
