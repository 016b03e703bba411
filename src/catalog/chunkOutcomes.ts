import type { ContainerClient } from "@azure/storage-blob";
import { chunkBlobNames } from "../layout/blobLayout";
import { describeError, isArchiverError } from "../errors";
import type { ChunkMessage } from "../queue/chunkMessage";
import { isRecord } from "../shared/untrustedJson";
import { writeJsonOnce } from "./boundedReads";
import { chunkNameKey, outcomesFolder } from "../layout/catalogLayout";
import { httpStatusOf } from "../shared/errorKinds";

/** Why a chunk was not archived, as the status API and ChunkArchiveFailed report it (no secrets, no URLs' queries). */
export interface ChunkOutcome {
  readonly index: number;
  readonly documentId: string;
  readonly outcome: string;
  readonly recordedAt: string;
  /** `<container>/archive-failures/...`: the full, replayable failure record. */
  readonly failureRecord: string;
  readonly reason: { readonly code: string; readonly message: string };
  readonly httpStatus: number | null;
  readonly deadline: string;
}

export function chunkOutcome(
  message: ChunkMessage,
  outcome: string,
  error: unknown,
  recordedAt: string,
  failureRecord: string,
): ChunkOutcome {
  return {
    index: message.index,
    documentId: message.documentId,
    outcome,
    recordedAt,
    failureRecord,
    reason: { code: isArchiverError(error) ? error.code : "Unexpected", message: describeError(error) },
    httpStatus: httpStatusOf(error) ?? null,
    deadline: message.deadline,
  };
}

/**
 * A copy of a chunk's failure outcome next to the recording's expected record, so that the status
 * API finds a call's failures with one listing (the failure records themselves are filed by date).
 * One blob per outcome (name carries the time): never overwritten, WORM-compatible.
 */
export async function writeChunkOutcome(
  container: ContainerClient,
  message: ChunkMessage,
  outcome: ChunkOutcome,
): Promise<void> {
  const name = `${outcomesFolder(chunkBlobNames(message).folder)}${chunkNameKey(message.index, message.documentId)}-${Date.parse(outcome.recordedAt) || Date.now()}.json`;
  await writeJsonOnce(container, name, JSON.stringify(outcome));
}

export function readChunkOutcome(value: unknown): ChunkOutcome | undefined {
  if (
    !isRecord(value) ||
    typeof value["outcome"] !== "string" ||
    typeof value["documentId"] !== "string" ||
    typeof value["recordedAt"] !== "string"
  )
    return undefined;
  return value as unknown as ChunkOutcome;
}
