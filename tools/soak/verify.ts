import type { ContainerClient } from "@azure/storage-blob";
import { OPERATIONAL_PREFIXES } from "../../src/layout/blobLayout";
import type { AcsSimulator } from "../acsSimulator";
import { checkArchivedChunk } from "./archivedChunkCheck";
import { forEachLimited, listCommitted, uncommittedBlockCount } from "./blobInspect";
import type { ActivityLog } from "./chunkActivity";
import type { ExpectedChunk } from "./expectedChunk";
import { readOutcomeRecords, recordsByChunk, RECORDS_PREFIX } from "./outcomeRecords";
import { resumeBound } from "./resumeBound";

export interface VerifyInputs {
  readonly container: ContainerClient;
  readonly quarantine: ContainerClient;
  readonly sim: AcsSimulator;
  readonly expected: readonly ExpectedChunk[];
  readonly activity: ActivityLog;
  readonly blockSize: number;
  readonly concurrency: number;
  readonly deleteAfterArchive: boolean;
}

export interface Verification {
  passed: boolean;
  chunks: number;
  archived: number;
  recorded: number;
  archivedBytes: number;
  missing: string[];
  duplicated: string[];
  partial: string[];
  corrupt: string[];
  metadata: string[];
  stray: string[];
  /** Chunks with only transient faults that nevertheless got an outcome record (or the wrong one). */
  unexpectedRecords: string[];
  recordProblems: string[];
  resumeChecked: number;
  /** The chunks that cost the most bytes downloaded again, and why (informational). */
  topOverheads: string[];
  resumeBoundViolations: string[];
  /** DELETE_AFTER_ARCHIVE: archived chunks whose ACS copy is still there, or failed ones whose copy is gone. */
  acsCopies: string[];
  /** Blob names with staged but uncommitted blocks left behind (informational). */
  leftoverUncommitted: number;
  quarantined: number;
  /** Requests that reached the simulator's non-ACS host (a signed request must never go there). */
  foreignRequests: number;
  outcomeRecords: number;
}

function topOverheads(expected: readonly ExpectedChunk[], inputs: VerifyInputs): string[] {
  return expected
    .map((chunk) => ({
      chunk,
      excess:
        (inputs.sim.counters.documents[chunk.documentId]?.contentBytesServed ?? 0) - (chunk.permanent ? 0 : chunk.size),
    }))
    .filter((entry) => entry.excess > 0)
    .sort((a, b) => b.excess - a.excess)
    .slice(0, 5)
    .map(({ chunk, excess }) => {
      const activity = inputs.activity.get(chunk.chunkKey);
      const how = activity
        ? `${activity.invocations} invocations, ${activity.killed} killed, ${activity.failed} failed${activity.overlapped ? ", raced by a duplicate" : ""}`
        : "no activity";
      return `${chunk.documentId}#${chunk.index}: ${excess} bytes again for ${chunk.size} (${how}${chunk.ignoreRange ? ", no Range" : ""})`;
    });
}

/** Checks the archive against the plan once the queue is drained. */
export async function verifyArchive(inputs: VerifyInputs): Promise<Verification> {
  const { container, sim, expected } = inputs;
  const blobs = await listCommitted(container);
  const recordNames = [...blobs.keys()].filter((name) => name.startsWith(RECORDS_PREFIX));
  const records = await readOutcomeRecords(container, recordNames, [sim.accessKey]);
  const byChunk = recordsByChunk(records);
  const result: Verification = {
    passed: false,
    chunks: expected.length,
    archived: 0,
    recorded: 0,
    archivedBytes: 0,
    missing: [],
    duplicated: [],
    partial: [],
    corrupt: [],
    metadata: [],
    stray: [],
    unexpectedRecords: [],
    acsCopies: [],
    recordProblems: records
      .filter((record) => record.problems.length > 0)
      .map((record) => `${record.name}: ${record.problems.join(", ")}`),
    resumeChecked: 0,
    topOverheads: [],
    resumeBoundViolations: [],
    leftoverUncommitted: 0,
    quarantined: (await listCommitted(inputs.quarantine)).size,
    foreignRequests: sim.counters.totals.foreignRequests,
    outcomeRecords: records.length,
  };
  const accounted = new Set<string>(recordNames);
  const mediaByDocument = new Map<string, string[]>();
  for (const [name, blob] of blobs) {
    const documentId = blob.metadata?.["documentid"];
    if (documentId && !name.endsWith(".metadata.json") && !name.startsWith(RECORDS_PREFIX))
      mediaByDocument.set(documentId, [...(mediaByDocument.get(documentId) ?? []), name]);
  }
  await forEachLimited(expected, 4, async (chunk) => {
    const who = `${chunk.documentId}#${chunk.index}`;
    const chunkRecords = byChunk.get(chunk.chunkKey) ?? [];
    const media = blobs.get(chunk.mediaName);
    const metadata = blobs.get(chunk.metadataName);
    accounted.add(chunk.mediaName);
    accounted.add(chunk.metadataName);
    const copies = mediaByDocument.get(chunk.documentId) ?? [];
    if (copies.length > 1) result.duplicated.push(`${who}: ${copies.join(", ")}`);
    if ((await uncommittedBlockCount(container, chunk.mediaName)) > 0) result.leftoverUncommitted += 1;
    if (chunk.permanent) {
      const expectedOutcome = chunk.permanent;
      const matching = chunkRecords.find(
        (record) =>
          record.outcome === expectedOutcome.outcome &&
          (expectedOutcome.httpStatus === undefined || record.httpStatus === expectedOutcome.httpStatus),
      );
      if (media) result.stray.push(`${who}: media committed although it must fail (${expectedOutcome.kind})`);
      if (sim.document(chunk.documentId)?.deleted === true)
        result.acsCopies.push(`${who}: not archived, but its ACS copy was deleted`);
      if (matching) result.recorded += 1;
      else if (chunkRecords.length > 0)
        result.unexpectedRecords.push(
          `${who} (${expectedOutcome.kind}): records ${chunkRecords.map((record) => `${record.outcome}/${record.httpStatus ?? "-"}`).join(", ")}, expected ${expectedOutcome.outcome}/${expectedOutcome.httpStatus ?? "-"}`,
        );
      else result.missing.push(`${who} (${expectedOutcome.kind}): neither archived nor recorded`);
      return;
    }
    if (chunkRecords.length > 0)
      result.unexpectedRecords.push(
        `${who} (faults: ${chunk.faultLabels.join(", ") || "none"}): ${chunkRecords.map((record) => `${record.outcome}: ${record.reason}`).join(" | ")}`,
      );
    const problems = await checkArchivedChunk(container, sim, chunk, media, metadata);
    for (const problem of problems) result[problem.kind].push(problem.detail);
    if (media && !problems.some((problem) => problem.kind !== "metadata")) {
      result.archived += 1;
      result.archivedBytes += chunk.size;
    }
    if (
      inputs.deleteAfterArchive &&
      chunk.deletable &&
      media &&
      metadata &&
      sim.document(chunk.documentId)?.deleted !== true
    )
      result.acsCopies.push(`${who}: archived, but its ACS copy was not deleted`);
    const bound = resumeBound(
      chunk,
      inputs.activity.get(chunk.chunkKey),
      sim.counters.documents[chunk.documentId],
      inputs.blockSize,
      inputs.concurrency,
    );
    if (bound.checked) result.resumeChecked += 1;
    if (bound.violation) result.resumeBoundViolations.push(`${who}: ${bound.violation}`);
  });
  // Every recording whose chunks must all archive has its manifest (written once by whichever delivery finished last).
  const recordings = new Map<string, boolean>();
  for (const chunk of expected) {
    const folder = chunk.mediaName.slice(0, chunk.mediaName.lastIndexOf("/") + 1);
    recordings.set(folder, (recordings.get(folder) ?? true) && !chunk.permanent);
  }
  for (const [folder, allArchive] of recordings) {
    accounted.add(`${folder}manifest.json`);
    if (allArchive && !blobs.has(`${folder}manifest.json`))
      result.missing.push(`${folder}: every chunk archived, but no manifest.json`);
  }
  // Intake's catalog records (expected chunks, failure outcomes) and deadline markers live under their own prefixes.
  const operational = [OPERATIONAL_PREFIXES.catalog, OPERATIONAL_PREFIXES.deadlines];
  for (const name of blobs.keys()) if (operational.some((prefix) => name.startsWith(prefix))) accounted.add(name);
  for (const name of blobs.keys()) if (!accounted.has(name)) result.stray.push(name);
  result.topOverheads = topOverheads(expected, inputs);
  result.passed =
    [
      result.missing,
      result.duplicated,
      result.partial,
      result.corrupt,
      result.metadata,
      result.stray,
      result.unexpectedRecords,
      result.acsCopies,
      result.recordProblems,
      result.resumeBoundViolations,
    ].every((list) => list.length === 0) &&
    result.quarantined === 0 &&
    result.foreignRequests === 0;
  return result;
}
