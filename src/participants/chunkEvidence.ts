import type { ContainerClient } from "@azure/storage-blob";
import { readSmallBlob } from "../storage/smallBlob";
import { metadataBlobOf, type ChunkRef } from "./chunkRef";
import { exactBlobClient } from "./listedNames";
import { MAX_METADATA_READ } from "../layout/metadataDocument";
import { readParticipants } from "./metadataParticipants";
import type { ParticipantIndex } from "./participantIndex";

/**
 * What a chunk's own archived metadata document says, read right before anything is done with the chunk: the one
 * evidence that a participant is in it. An index entry only says where to look.
 */
export type ChunkEvidence =
  /** The document lists the participant; `participants`: the keyed hashes of everyone it lists. */
  | {
      readonly kind: "listed";
      readonly document: Buffer;
      readonly participants: readonly string[];
      readonly fromVersion?: string;
    }
  /** The document no longer lists the participant (the entry is wrong, or was planted). */
  | { readonly kind: "notListed" }
  /** No metadata document (erased, or never archived). */
  | { readonly kind: "missing" }
  /** The document cannot be read for participants: nobody can be found in it. */
  | { readonly kind: "unreadable"; readonly problem: "invalidJson" | "noParticipantList" };

/**
 * Reads the chunk's metadata document (bounded, by its exact name) and checks it lists `participant` (keyed hash).
 * `previousVersion`: when the current document is gone (an erasure interrupted after deleting it, on a versioned
 * account), that version of it is read instead, so an erasure can be finished on the same evidence.
 */
export async function readEvidence(
  index: ParticipantIndex,
  recordings: ContainerClient,
  ref: ChunkRef,
  participant: string,
  options: { previousVersion?: string; abortSignal?: AbortSignal } = {},
): Promise<ChunkEvidence> {
  const blob = exactBlobClient(recordings, metadataBlobOf(ref), ref.folder);
  let document = await readSmallBlob(blob, MAX_METADATA_READ, { abortSignal: options.abortSignal });
  let fromVersion: string | undefined;
  if (document === undefined && options.previousVersion) {
    document = await readSmallBlob(blob.withVersion(options.previousVersion), MAX_METADATA_READ, {
      abortSignal: options.abortSignal,
    });
    fromVersion = options.previousVersion;
  }
  if (document === undefined) return { kind: "missing" };
  const read = readParticipants(document, Number.POSITIVE_INFINITY);
  if (read.kind !== "listed") return { kind: "unreadable", problem: read.kind };
  const participants = [...new Set(read.ids.map((id) => index.keyOf(id)))];
  if (!participants.includes(participant)) return { kind: "notListed" };
  return { kind: "listed", document, participants, ...(fromVersion ? { fromVersion } : {}) };
}
