import type { ContainerClient } from "@azure/storage-blob";
import { FAILURES_PREFIX } from "../archive/failureRecords";
import { manifestName, pathSegment, RECORDINGS_PREFIX } from "../layout/blobLayout";
import { listWithMetadata, readJsonBlob } from "../catalog/boundedReads";
import { chunkNameKey, expectedRecordName, outcomesFolder, queuedFolder } from "../layout/catalogLayout";
import { deadlineMarkers } from "../catalog/deadlineMarkers";
import type { ErasureTombstones } from "../catalog/erasureTombstones";
import { MAX_EXPECTED_RECORD_BYTES, readExpectedRecording } from "../catalog/expectedRecords";
import { readChunkOutcome } from "../catalog/chunkOutcomes";
import { describeError } from "../errors";
import { mapConcurrent } from "../shared/mapConcurrent";
import { isRecord } from "../shared/untrustedJson";
import { eraseWithVersions, type ErasureRefusal } from "./blobErasure";
import { blobNameProblem, exactBlobClient } from "./listedNames";
import type { AbortOptions } from "../shared/cancellation";

const MAX_OUTCOMES_LISTED = 2_100;
/** Queued records: one per chunk and event that named it (a handful per chunk). */
const MAX_QUEUED_LISTED = 2_100;
/** Manifests of 1,000 chunks are a few hundred KiB. */
const MAX_MANIFEST_BYTES = 16 * 1024 * 1024;
const MAX_FAILURE_RECORDS_LISTED = 100;
const DELETE_CONCURRENCY = 4;

/** A record erasure left on purpose, and why. */
interface RetainedRecord {
  readonly blob: string;
  readonly reason: string;
}

/** What happened to one recording's folder-wide and catalogue records after chunks of it were erased. */
export interface RecordingRecordsErasure {
  readonly folder: string;
  readonly deleted: readonly string[];
  readonly retained: readonly RetainedRecord[];
  readonly refused: readonly ErasureRefusal[];
}

/** An erased chunk, as the records name it. */
export interface ErasedChunk {
  readonly index: number;
  readonly documentId: string;
}

/**
 * After chunks of a recording were erased, the records that concern them: the folder's `manifest.json` (it lists
 * every chunk and the raw participantIds of all of them) is erased with its versions when it names an erased chunk or
 * lists the participant (a manifest of other chunks only — a recording whose folder a forged chunk joined — stays); the chunks' failure outcomes
 * (`archive-catalog/…/outcomes/`), intake's queued records of them (`archive-catalog/…/queued/`: documentId, event id,
 * anomalies) and failure records (`archive-failures/…`) are deleted; intake's expected record
 * and the recording's deadline markers are deleted once every chunk they name is erased (tombstones), and retained
 * with the reason otherwise. What Storage refuses (a WORM policy) is reported.
 */
export async function eraseRecordingRecords(
  recordings: ContainerClient,
  tombstones: ErasureTombstones,
  folder: string,
  erased: readonly ErasedChunk[],
  listsParticipant: (participantIds: readonly string[]) => boolean,
  { abortSignal: signal }: AbortOptions = {},
): Promise<RecordingRecordsErasure> {
  const deleted: string[] = [];
  const retained: RetainedRecord[] = [];
  const refused: ErasureRefusal[] = [];
  const manifest = manifestName(folder);
  const named = await manifestNames(recordings, manifest, erased, listsParticipant);
  // It may hold the participant's raw id: not knowing keeps the erasure from being complete.
  if (named === "unreadable")
    refused.push({
      blob: manifest,
      kind: "retained",
      reason: "it could not be read to tell whether it names the erased chunks or the participant: check it by hand.",
    });
  if (named === true) {
    const manifestErased = await eraseWithVersions(recordings, [manifest], manifest, { abortSignal: signal });
    refused.push(...manifestErased.refused);
    deleted.push(
      ...manifestErased.deleted,
      ...manifestErased.versionsDeleted.map((version) => `${version.blob} (version ${version.versionId})`),
    );
  }

  const erasedSegments = new Set(erased.map((chunk) => chunkNameKey(chunk.index, chunk.documentId)));
  const call = folder.slice(RECORDINGS_PREFIX.length).split("/")[0] ?? "";
  const operational: string[] = [];
  const failureRecords = new Set<string>();
  const outcomes = await listWithMetadata(recordings, outcomesFolder(folder), MAX_OUTCOMES_LISTED);
  for (const outcome of outcomes.blobs) {
    const match = /^(\d+-.+)-\d+\.json$/.exec(outcome.name.slice(outcomesFolder(folder).length));
    if (!match || !erasedSegments.has(match[1] as string)) continue;
    operational.push(outcome.name);
    const record = readChunkOutcome(await readJsonBlob(recordings, outcome.name, 64 * 1024));
    const named = record?.failureRecord.slice(recordings.containerName.length + 1);
    // The record's body is data: only a failure record of this very chunk (`<day>/<call>-<index>-<documentId>-…`) is deleted.
    if (named && blobNameProblem(named) === undefined && isFailureRecordOf(named, `${call}-${match[1] as string}-`))
      failureRecords.add(named);
  }
  if (outcomes.truncated)
    retained.push({
      blob: outcomesFolder(folder),
      reason: `more than ${MAX_OUTCOMES_LISTED} outcome records: run erase again for the rest.`,
    });
  // Intake's per-chunk queued records (`<index>-<documentId>-<event hash>.json`): a redelivery of an erased chunk is
  // stopped by its tombstone, not by these, so they go with the chunk.
  const queued = await listWithMetadata(recordings, queuedFolder(folder), MAX_QUEUED_LISTED);
  for (const record of queued.blobs) {
    const match = /^(\d+-.+)-[0-9a-f]{16}\.json$/.exec(record.name.slice(queuedFolder(folder).length));
    if (match && erasedSegments.has(match[1] as string)) operational.push(record.name);
  }
  if (queued.truncated)
    retained.push({
      blob: queuedFolder(folder),
      reason: `more than ${MAX_QUEUED_LISTED} queued records: run erase again for the rest.`,
    });

  const expected = readExpectedRecording(
    await readJsonBlob(recordings, expectedRecordName(folder), MAX_EXPECTED_RECORD_BYTES),
  );
  for (const chunk of expected?.chunks ?? []) {
    if (!erased.some((candidate) => candidate.documentId === chunk.documentId)) continue;
    const deadline = Date.parse(chunk.deadline);
    const day = Number.isNaN(deadline) ? "no-deadline" : new Date(deadline).toISOString().slice(0, 10);
    const prefix = `${FAILURES_PREFIX}${day}/${call}-${chunk.index}-${pathSegment(chunk.documentId)}-`;
    const listed = await listWithMetadata(recordings, prefix, MAX_FAILURE_RECORDS_LISTED);
    for (const record of listed.blobs)
      if (/^[a-zA-Z]+-\d+\.json$/.test(record.name.slice(prefix.length))) failureRecords.add(record.name);
  }
  operational.push(...failureRecords);

  if (expected) {
    const erasedHere = await tombstones.erasedIn(folder);
    const markers = deadlineMarkers(folder, expected.chunks).map((marker) => marker.name);
    const notErased = expected.chunks.filter(
      (chunk) =>
        !erasedHere.has(chunk.documentId) && !erased.some((candidate) => candidate.documentId === chunk.documentId),
    );
    if (notErased.length === 0) operational.push(expectedRecordName(folder), ...markers);
    else
      for (const name of [expectedRecordName(folder), ...markers])
        retained.push({
          blob: name,
          reason: `it also covers ${notErased.length} chunk(s) of this recording that were not erased (it holds no participant id).`,
        });
  } else {
    retained.push({
      blob: expectedRecordName(folder),
      reason:
        "no expected record (intake never saw this recording, or it is gone): the recording's deadline markers, if any, were not located; they expire by the lifecycle rule for archive-deadlines/.",
    });
  }

  // With their versions too: on a versioned account a plain delete would leave each behind as a previous version.
  const results = await mapConcurrent(operational, DELETE_CONCURRENCY, (name) =>
    eraseWithVersions(recordings, [name], name, { abortSignal: signal }),
  );
  results.forEach((result, position) => {
    const name = operational[position] as string;
    if (result.status === "rejected")
      refused.push({ blob: name, kind: "failed", reason: describeError(result.reason) });
    else {
      refused.push(...result.value.refused);
      deleted.push(...result.value.deleted);
    }
  });
  return { folder, deleted, retained, refused };
}

/** Whether the manifest names an erased chunk or lists the participant; false when there is none. */
async function manifestNames(
  recordings: ContainerClient,
  manifest: string,
  erased: readonly ErasedChunk[],
  listsParticipant: (participantIds: readonly string[]) => boolean,
): Promise<boolean | "unreadable"> {
  const client = exactBlobClient(recordings, manifest);
  const parsed = await readJsonBlob(recordings, manifest, MAX_MANIFEST_BYTES).catch(() => undefined);
  if (parsed === undefined) return (await client.exists()) ? "unreadable" : false;
  if (!isRecord(parsed)) return "unreadable";
  const chunks = Array.isArray(parsed["chunks"]) ? (parsed["chunks"] as unknown[]) : [];
  const documentIds = chunks.flatMap((chunk) =>
    isRecord(chunk) && typeof chunk["documentId"] === "string" ? [chunk["documentId"]] : [],
  );
  const participantIds = Array.isArray(parsed["participantIds"])
    ? (parsed["participantIds"] as unknown[]).filter((id): id is string => typeof id === "string")
    : [];
  return (
    documentIds.some((documentId) => erased.some((chunk) => chunk.documentId === documentId)) ||
    listsParticipant(participantIds)
  );
}

/** True when `name` is a failure record (`archive-failures/<day>/<who><outcome>-<n>.json`) of the chunk `who` names. */
function isFailureRecordOf(name: string, who: string): boolean {
  const rest = name.startsWith(FAILURES_PREFIX) ? name.slice(FAILURES_PREFIX.length) : "";
  const at = rest.indexOf("/");
  return at > 0 && rest.slice(at + 1).startsWith(who) && /^[a-zA-Z]+-\d+\.json$/.test(rest.slice(at + 1 + who.length));
}
