import type { ContainerClient } from "@azure/storage-blob";
import type { ByosAccess } from "../byos/byosAccess";
import type { ByosContainer } from "../config/byosContainers";
import { byosFilesOf, type ByosFile } from "../byos/byosCatalogue";
import { readJsonBlob } from "../catalog/boundedReads";
import { describeError } from "../errors";
import { isRecord } from "../shared/untrustedJson";
import { storageSignal } from "../storage/storageDeadline";
import { deleteOne, refusalOf, type ErasureRefusal } from "./blobErasure";
import { catalogueRecordOf, type ChunkRef } from "./chunkRef";
import type { ParticipantIndex } from "./participantIndex";
import { isNotFound } from "../shared/errorKinds";
import type { AbortOptions } from "../shared/cancellation";

const MAX_RECORD_BYTES = 1024 * 1024;

/** How the customer's BYOS accounts are reached, and the containers listed in BYOS_STORAGE_ACCOUNTS (nothing else is touched). */
export interface ByosReach {
  readonly access: ByosAccess;
  readonly containers: readonly ByosContainer[];
}

/** What happened (or, in a dry run, would happen) to the BYOS blobs a chunk's catalogue record names. */
export interface ByosErasure {
  /** URLs that are (or would be) deleted. */
  readonly planned: readonly string[];
  readonly deleted: readonly string[];
  readonly versionsDeleted: readonly { readonly blob: string; readonly versionId: string }[];
  /** Refused by Storage, or retained on purpose (`kind: "retained"`, with the reason). */
  readonly refused: readonly ErasureRefusal[];
}

/** The blob URLs (media, metadata document) the catalogue record of `ref` names; none when it has no readable record. */
export async function catalogueUrls(recordings: ContainerClient, ref: ChunkRef): Promise<string[]> {
  const record = await readJsonBlob(recordings, catalogueRecordOf(ref), MAX_RECORD_BYTES);
  if (!isRecord(record)) return [];
  const urls: string[] = [];
  for (const part of ["media", "metadata"]) {
    const entry = record[part];
    const url = isRecord(entry) ? entry["url"] : undefined;
    if (typeof url === "string" && URL.canParse(url)) urls.push(url);
  }
  return urls;
}

/**
 * Erases the customer's BYOS blobs a chunk's catalogue record names, under four rules: the blob is in a listed container; the
 * blob's name carries the erased chunk's documentId (ACS's layout: `<n>-<kind>.<documentId>.<ext>`); no other
 * recording's catalogue record names the same blob (claims in the index; a blob two recordings name is never deleted
 * automatically); and its ETag still matches the catalogue record (the delete is conditional: `If-Match`). A blob
 * that fails a rule is retained and reported with the reason. On a versioned account the version the delete leaves
 * behind is deleted too (older versions of the customer's blob are not listed: the customer's own rules apply).
 */
export async function eraseByosBlobs(
  recordings: ContainerClient,
  index: ParticipantIndex,
  ref: ChunkRef,
  documentId: string,
  byos: ByosReach | undefined,
  options: { dryRun: boolean; abortSignal?: AbortSignal },
): Promise<ByosErasure> {
  const named = await catalogueUrls(recordings, ref);
  const record = catalogueRecordOf(ref);
  const files = byos ? await byosFilesOf(recordings, [record], byos.containers) : [];
  const planned: string[] = [];
  const deleted: string[] = [];
  const versionsDeleted: { blob: string; versionId: string }[] = [];
  const refused: ErasureRefusal[] = [];
  const retain = (url: string, reason: string): void => void refused.push({ blob: url, kind: "retained", reason });
  for (const url of named) {
    const file = files.find((candidate) => candidate.url === url);
    if (!file || !byos) {
      retain(
        url,
        "it is not this chunk's blob in a BYOS_STORAGE_ACCOUNTS container (ACS's layout, naming the chunk's documentId), or that container is no longer listed: not deleted.",
      );
      continue;
    }
    const problem = await ruleBroken(index, ref, documentId, file);
    if (problem) {
      retain(url, problem);
      continue;
    }
    planned.push(url);
    if (options.dryRun) continue;
    const outcome = await deleteIfUnchanged(byos.access, file, { abortSignal: options.abortSignal });
    if ("refusal" in outcome) {
      refused.push(outcome.refusal);
      continue;
    }
    deleted.push(url);
    if (outcome.versionId) {
      const version = await deleteOne(byos.access.blob(url).withVersion(outcome.versionId), url, outcome.versionId, {
        abortSignal: options.abortSignal,
      });
      if (version.refusal) refused.push(version.refusal);
      else versionsDeleted.push({ blob: url, versionId: outcome.versionId });
    }
    await index.removeEntryNames([index.claimName(url, ref)], { abortSignal: options.abortSignal });
  }
  return { planned, deleted, versionsDeleted, refused };
}

/** Why a BYOS blob must not be deleted automatically, or undefined. */
async function ruleBroken(
  index: ParticipantIndex,
  ref: ChunkRef,
  documentId: string,
  file: ByosFile,
): Promise<string | undefined> {
  if (file.documentId !== undefined && file.documentId !== documentId)
    return "its catalogue record describes another documentId than the erased chunk's: not deleted.";
  const name = decodeURIComponent(new URL(file.url).pathname.split("/").pop() ?? "");
  if (!name.includes(`.${documentId}.`))
    return "its name does not carry the erased chunk's documentId (ACS's layout <n>-<kind>.<documentId>.<ext>): not deleted.";
  if (!file.etag)
    return "its catalogue record holds no ETag (catalogued by an older version), so it cannot be checked to be the blob catalogued: not deleted.";
  const claims = await index.byosClaims(file.url);
  const own = index.claimName(file.url, ref);
  if (!claims.includes(own))
    return 'no claim is recorded for it (catalogued before claims existed): run "recording-archiver participants reindex", then erase again.';
  const others = claims.filter((claim) => claim !== own).length;
  if (others > 0)
    return `${others} other recording chunk(s)' catalogue records name the same blob: a blob two recordings name is never deleted automatically.`;
  return undefined;
}

/** Deletes the blob only while its ETag is the catalogued one; the version id it had (versioned accounts) comes back. */
async function deleteIfUnchanged(
  access: ByosAccess,
  file: ByosFile,
  { abortSignal: signal }: AbortOptions = {},
): Promise<{ versionId?: string } | { refusal: ErasureRefusal }> {
  const blob = access.blob(file.url);
  let versionId: string | undefined;
  try {
    const properties = await blob.getProperties({ abortSignal: storageSignal(signal) });
    if (properties.etag !== file.etag)
      return {
        refusal: {
          blob: file.url,
          kind: "changed",
          reason: "it changed since it was catalogued (its ETag differs from the catalogue record's): not deleted.",
        },
      };
    versionId = properties.versionId;
  } catch (error) {
    if (isNotFound(error)) return {};
    return {
      refusal: { ...refusalOf(error, file.url), reason: `its properties could not be read: ${describeError(error)}` },
    };
  }
  const { refusal } = await deleteOne(blob, file.url, undefined, {
    abortSignal: signal,
    conditions: { ifMatch: file.etag as string },
  });
  return refusal ? { refusal } : versionId ? { versionId } : {};
}
