import { isRestError } from "@azure/core-rest-pipeline";
import type { BlobClient, ContainerClient } from "@azure/storage-blob";
import type { ByosAccess } from "../byos/byosAccess";
import { byosFilesOf } from "../byos/byosCatalogue";
import { OPERATIONAL_PREFIXES, compactUtc } from "../archive/blobLayout";
import { describeError } from "../errors";
import type { Log } from "../shared/log";
import { mapConcurrent } from "../shared/mapConcurrent";
import { readSmallBlob } from "../storage/smallBlob";
import { storageSignal } from "../storage/storageDeadline";
import { findParticipant } from "./participantFind";
import type { ParticipantIndex } from "./participantIndex";
import { MAX_METADATA_READ, participantIdsOf } from "./metadataParticipants";

const DELETE_CONCURRENCY = 4;

interface ErasureRefusal {
  readonly blob: string;
  /** `immutable`: an immutability policy or legal hold keeps it (kept on purpose); `failed`: anything else. */
  readonly kind: "immutable" | "failed";
  readonly status?: number;
  readonly code?: string;
  readonly reason: string;
}

interface RecordingErasure {
  readonly folder: string;
  readonly blobs: readonly { readonly name: string; readonly bytes: number }[];
  readonly deleted: readonly string[];
  readonly refused: readonly ErasureRefusal[];
  /** Index entries removed (of every participant of the recording): only once all its blobs are gone. */
  readonly indexEntriesDeleted: number;
}

export interface ErasureReport {
  readonly participant: string;
  readonly dryRun: boolean;
  readonly startedAt: string;
  readonly finishedAt: string;
  /** Who ran it, as far as known (operating-system user, credential kind, account). */
  readonly identity: string;
  readonly container: string;
  readonly recordings: readonly RecordingErasure[];
  readonly staleIndexEntriesDeleted: number;
  /** `<container>/participant-erasures/...`: the receipt (not written for a dry run). */
  readonly receipt?: string;
  readonly complete: boolean;
}

export interface EraseOptions {
  readonly index: ParticipantIndex;
  readonly recordings: ContainerClient;
  readonly identity: string;
  readonly dryRun: boolean;
  readonly log: Log;
  readonly onBlob?: (name: string, outcome: "deleted" | "refused") => void;
  /** BYOS recordings: their media and metadata in the customer's account (listed in BYOS_STORAGE_ACCOUNTS) are erased too. */
  readonly byos?: { readonly access: ByosAccess; readonly accounts: readonly string[] };
}

/**
 * Erases every archived recording of one participant: media, metadata, manifest and catalogue
 * blobs, then the index entries of all participants of each recording that is wholly gone. A blob
 * that Storage keeps (immutability policy, legal hold) is reported with the service's reason and
 * its recording stays indexed. A receipt names the participant only as its keyed hash.
 */
export async function eraseParticipant(participantId: string, options: EraseOptions): Promise<ErasureReport> {
  const { index, recordings, log } = options;
  const startedAt = new Date().toISOString();
  const found = await findParticipant(index, recordings, participantId);
  const results: RecordingErasure[] = [];
  for (const recording of found.recordings) {
    const external = await byosFilesOf(
      recordings,
      recording.files.filter((file) => file.kind === "catalogue").map((file) => file.name),
      options.byos?.accounts ?? [],
    );
    const blobs = [
      ...recording.files.map((file) => ({ name: file.name, bytes: file.bytes })),
      ...external.map((file) => ({ name: file.url, bytes: file.bytes })),
    ];
    if (options.dryRun) {
      results.push({ folder: recording.folder, blobs, deleted: [], refused: [], indexEntriesDeleted: 0 });
      continue;
    }
    const keys = new Set([
      found.participant,
      ...(await participantKeysOf(
        index,
        recordings,
        recording.files.filter((file) => file.kind === "metadata").map((file) => file.name),
      )),
    ]);
    const access = options.byos?.access;
    const outcomes = await mapConcurrent(blobs, DELETE_CONCURRENCY, (blob) =>
      deleteBlob(/^https?:\/\//.test(blob.name) && access ? access.blob(blob.name) : recordings.getBlobClient(blob.name), blob.name),
    );
    const deleted: string[] = [];
    const refused: ErasureRefusal[] = [];
    outcomes.forEach((outcome, position) => {
      const name = (blobs[position] as { name: string }).name;
      const refusal = outcome.status === "fulfilled" ? outcome.value : { blob: name, kind: "failed" as const, reason: describeError(outcome.reason) };
      if (refusal) refused.push(refusal);
      else deleted.push(name);
      options.onBlob?.(name, refusal ? "refused" : "deleted");
    });
    for (const refusal of refused)
      log.error(`Not erased: ${/^https?:\/\//.test(refusal.blob) ? refusal.blob : `${recordings.containerName}/${refusal.blob}`}: ${refusal.reason}`);
    const indexEntriesDeleted = refused.length === 0 ? (await index.removeEntries(recording.folder, [...keys])).length : 0;
    results.push({ folder: recording.folder, blobs, deleted, refused, indexEntriesDeleted });
  }
  let staleIndexEntriesDeleted = 0;
  for (const folder of options.dryRun ? [] : found.staleEntries) staleIndexEntriesDeleted += (await index.removeEntries(folder, [found.participant])).length;
  const report: ErasureReport = {
    participant: found.participant,
    dryRun: options.dryRun,
    startedAt,
    finishedAt: new Date().toISOString(),
    identity: options.identity,
    container: recordings.containerName,
    recordings: results,
    staleIndexEntriesDeleted,
    complete: results.every((recording) => recording.refused.length === 0),
  };
  return options.dryRun ? report : { ...report, receipt: await writeReceipt(recordings, report) };
}

/** Keyed hashes of every participant of the recording, so their index entries go with it. */
async function participantKeysOf(index: ParticipantIndex, recordings: ContainerClient, metadataBlobs: readonly string[]): Promise<string[]> {
  const keys: string[] = [];
  for (const name of metadataBlobs) {
    const body = await readSmallBlob(recordings.getBlobClient(name), MAX_METADATA_READ);
    if (body) keys.push(...participantIdsOf(body).map((id) => index.keyOf(id)));
  }
  return keys;
}

/** Deletes one blob; returns why it was not deleted, or undefined once it is gone. */
async function deleteBlob(blob: BlobClient, name: string): Promise<ErasureRefusal | undefined> {
  try {
    await blob.deleteIfExists({ deleteSnapshots: "include", abortSignal: storageSignal() });
    return undefined;
  } catch (error) {
    if (!isRestError(error)) return { blob: name, kind: "failed", reason: describeError(error) };
    const code = typeof error.code === "string" ? error.code : undefined;
    const immutable = error.statusCode === 409 && code !== undefined && /immutab|legalhold/i.test(code);
    const reason = immutable
      ? `Storage keeps it under an immutability policy or legal hold (${code}); it was not deleted. Lift the hold or wait for the policy to expire, then run erase again.`
      : `Storage refused the delete (HTTP ${error.statusCode ?? "?"}${code ? ` ${code}` : ""}): ${error.message.split("\n")[0] ?? ""}`;
    return {
      blob: name,
      kind: immutable ? "immutable" : "failed",
      ...(error.statusCode === undefined ? {} : { status: error.statusCode }),
      ...(code ? { code } : {}),
      reason,
    };
  }
}

/** The receipt: write-once, under participant-erasures/ (WORM-compatible: a new blob, never an overwrite). */
async function writeReceipt(recordings: ContainerClient, report: ErasureReport): Promise<string> {
  const name = `${OPERATIONAL_PREFIXES.erasures}${report.startedAt.slice(0, 10)}/${compactUtc(report.startedAt)}-${report.participant.slice(0, 16)}.json`;
  const body = JSON.stringify({ kind: "participantErasure", ...report }, null, 2);
  await recordings.getBlockBlobClient(name).upload(body, Buffer.byteLength(body), {
    blobHTTPHeaders: { blobContentType: "application/json" },
    conditions: { ifNoneMatch: "*" },
    abortSignal: storageSignal(),
  });
  return `${recordings.containerName}/${name}`;
}
