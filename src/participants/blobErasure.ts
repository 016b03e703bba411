import { isRestError } from "@azure/core-rest-pipeline";
import type { BlobClient, BlobItem, ContainerClient } from "@azure/storage-blob";
import { describeError } from "../errors";
import { mapConcurrent } from "../shared/mapConcurrent";
import { storageSignal } from "../storage/storageDeadline";
import { exactBlobClient } from "./listedNames";
import { isNotFound } from "../shared/errorKinds";
import type { AbortOptions } from "../shared/cancellation";

const DELETE_CONCURRENCY = 4;
/** Versions of one chunk's few blobs listed at most (each overwrite makes one); more is reported, never ignored. */
const MAX_LISTED_VERSIONS = 5_000;
const LISTING_TIMEOUT_MS = 60_000;

/**
 * Why a blob (or one of its versions) is still there. `immutable`: a time-based immutability (WORM) policy;
 * `legalHold`: a legal hold; `permission`: the identity lacks the right (deleting a previous version needs
 * `Microsoft.Storage/storageAccounts/blobServices/containers/blobs/deleteBlobVersion/action`, which Storage Blob Data
 * Owner has and Contributor has not); `changed`: a BYOS blob no longer matches its catalogue record; `retained`:
 * kept on purpose (see the reason); `failed`: anything else.
 */
type RefusalKind = "immutable" | "legalHold" | "permission" | "changed" | "retained" | "failed";

export interface ErasureRefusal {
  /** Blob name in its container (or the URL of a BYOS blob). */
  readonly blob: string;
  readonly versionId?: string;
  readonly kind: RefusalKind;
  readonly status?: number;
  readonly code?: string;
  readonly reason: string;
}

export interface BlobsErased {
  /** Blobs whose current version was there and is deleted now. */
  readonly deleted: readonly string[];
  /** Previous versions deleted by version id. */
  readonly versionsDeleted: readonly { readonly blob: string; readonly versionId: string }[];
  readonly refused: readonly ErasureRefusal[];
}

/** Blobs (with versions, metadata, immutability and legal-hold state) under `prefix` whose names `accept` takes. */
/** Pages of 1,000 one version listing reads at most; what is left is reported as truncated (not erased, not complete). */
const MAX_VERSION_LISTING_PAGES = 20;

export async function listVersions(
  container: ContainerClient,
  prefix: string,
  accept: (name: string) => boolean,
  { abortSignal: signal }: AbortOptions = {},
): Promise<{ items: BlobItem[]; truncated: boolean }> {
  const items: BlobItem[] = [];
  let token: string | undefined;
  let pages = 0;
  try {
    do {
      pages += 1;
      const page = await container
        .listBlobsFlat({
          prefix,
          includeVersions: true,
          includeMetadata: true,
          includeImmutabilityPolicy: true,
          includeLegalHold: true,
          abortSignal: storageSignal(signal, LISTING_TIMEOUT_MS),
        })
        .byPage({ maxPageSize: 1000, ...(token ? { continuationToken: token } : {}) })
        .next();
      if (page.done) break;
      items.push(...page.value.segment.blobItems.filter((item) => accept(item.name)));
      token = page.value.continuationToken || undefined;
      // Both bounds: the names kept, and the pages read (a flood of other names under the prefix keeps none).
    } while (token && items.length < MAX_LISTED_VERSIONS && pages < MAX_VERSION_LISTING_PAGES);
  } catch (error) {
    if (isNotFound(error)) return { items: [], truncated: false };
    throw error;
  }
  return { items, truncated: token !== undefined };
}

/** A previous version (not the current one): what Delete Blob without a version id leaves behind on a versioned account. */
export function isPreviousVersion(item: BlobItem): boolean {
  return item.versionId !== undefined && item.isCurrentVersion !== true;
}

/**
 * Erases `names` (exact names under `prefix`) with every version: each current version is deleted (with its
 * snapshots; on a versioned account it becomes a previous version), then the versions left under the prefix are
 * listed and each is deleted by its version id, then a last listing checks that nothing of these names is left.
 * Everything not deleted is reported with Storage's reason. Nothing outside the exact names is touched.
 */
export async function eraseWithVersions(
  container: ContainerClient,
  names: readonly string[],
  prefix: string,
  { abortSignal: signal }: AbortOptions = {},
): Promise<BlobsErased> {
  const wanted = new Set(names);
  const accept = (name: string): boolean => wanted.has(name);
  const refused: ErasureRefusal[] = [];
  const deleted: string[] = [];
  const bases = await mapConcurrent(names, DELETE_CONCURRENCY, async (name) =>
    deleteOne(exactBlobClient(container, name), name, undefined, { abortSignal: signal }),
  );
  bases.forEach((outcome, position) => {
    const name = names[position] as string;
    const result =
      outcome.status === "fulfilled"
        ? outcome.value
        : { existed: true, refusal: { blob: name, kind: "failed" as const, reason: describeError(outcome.reason) } };
    if (result.refusal) refused.push(result.refusal);
    else if (result.existed) deleted.push(name);
  });
  const versionsDeleted: { blob: string; versionId: string }[] = [];
  const left = await listVersions(container, prefix, accept, { abortSignal: signal });
  const previous = left.items.filter(isPreviousVersion);
  const versions = await mapConcurrent(previous, DELETE_CONCURRENCY, async (item) =>
    deleteOne(exactBlobClient(container, item.name).withVersion(item.versionId as string), item.name, item.versionId, {
      abortSignal: signal,
    }),
  );
  versions.forEach((outcome, position) => {
    const item = previous[position] as BlobItem;
    const versionId = item.versionId as string;
    const refusal =
      outcome.status === "fulfilled"
        ? outcome.value.refusal
        : { blob: item.name, versionId, kind: "failed" as const, reason: describeError(outcome.reason) };
    if (refusal) refused.push({ ...refusal, ...holdsOf(item, refusal) });
    else versionsDeleted.push({ blob: item.name, versionId });
  });
  if (previous.length > 0 || left.truncated) {
    const after = await listVersions(container, prefix, accept, { abortSignal: signal });
    const known = new Set(refused.map((refusal) => `${refusal.blob}\n${refusal.versionId ?? ""}`));
    for (const item of after.items) {
      const id = isPreviousVersion(item) ? (item.versionId ?? "") : "";
      if (known.has(`${item.name}\n${id}`) || (!isPreviousVersion(item) && known.has(`${item.name}\n`))) continue;
      refused.push({
        blob: item.name,
        ...(isPreviousVersion(item) && item.versionId ? { versionId: item.versionId } : {}),
        kind: "failed",
        reason:
          "still there after erasure (written again meanwhile, or more versions than one listing holds): run erase again.",
      });
    }
    if (after.truncated) {
      refused.push({
        blob: prefix,
        kind: "failed",
        reason:
          "the version listing under this prefix stopped at its bound (too many names or versions): what it did not reach may remain; run erase again.",
      });
    }
  }
  return {
    deleted: deleted.filter(
      (name) => !refused.some((refusal) => refusal.blob === name && refusal.versionId === undefined),
    ),
    versionsDeleted,
    refused,
  };
}

/** A listed version's legal hold or immutability policy, added to the reason Storage gave. */
function holdsOf(item: BlobItem, refusal: ErasureRefusal): Partial<ErasureRefusal> {
  const notes: string[] = [];
  if (item.properties.legalHold) notes.push("the listing shows a legal hold on it");
  if (item.properties.immutabilityPolicyExpiresOn)
    notes.push(
      `the listing shows an immutability policy until ${item.properties.immutabilityPolicyExpiresOn.toISOString()}`,
    );
  return notes.length === 0 ? {} : { reason: `${refusal.reason} (${notes.join("; ")})` };
}

/** Deletes one blob (with its snapshots) or one version: whether it was there, or why it was not deleted. */
export async function deleteOne(
  blob: BlobClient,
  name: string,
  versionId: string | undefined,
  { abortSignal: signal, conditions }: AbortOptions & { conditions?: { ifMatch: string } } = {},
): Promise<{ readonly existed: boolean; readonly refusal?: ErasureRefusal }> {
  try {
    const response = await blob.deleteIfExists({
      ...(versionId === undefined ? { deleteSnapshots: "include" as const } : {}),
      ...(conditions ? { conditions } : {}),
      abortSignal: storageSignal(signal),
    });
    return { existed: response.succeeded };
  } catch (error) {
    return { existed: true, refusal: refusalOf(error, name, versionId) };
  }
}

/** Storage's refusal of a delete, classified, with what an operator can do about it. */
export function refusalOf(error: unknown, name: string, versionId?: string): ErasureRefusal {
  const at = { blob: name, ...(versionId ? { versionId } : {}) };
  if (!isRestError(error)) return { ...at, kind: "failed", reason: describeError(error) };
  const status = error.statusCode;
  const code = typeof error.code === "string" ? error.code : undefined;
  const said = { ...(status === undefined ? {} : { status }), ...(code ? { code } : {}) };
  if (status === 409 && code && /legalhold/i.test(code))
    return {
      ...at,
      ...said,
      kind: "legalHold",
      reason: `Storage keeps it under an immutability policy or legal hold (${code}): a legal hold. Clear the hold, then run erase again.`,
    };
  if (status === 409 && code && /immutab/i.test(code))
    return {
      ...at,
      ...said,
      kind: "immutable",
      reason: `Storage keeps it under an immutability policy or legal hold (${code}); it was not deleted. Wait for the policy to expire (or remove an unlocked one), then run erase again.`,
    };
  if (status === 412)
    return {
      ...at,
      ...said,
      kind: "changed",
      reason: "it changed since it was catalogued (ETag no longer matches); it was not deleted.",
    };
  if (status === 403)
    return {
      ...at,
      ...said,
      kind: "permission",
      reason: versionId
        ? `Storage refused to delete this previous version (HTTP 403${code ? ` ${code}` : ""}): it needs the deleteBlobVersion permission (Storage Blob Data Owner, not Contributor). Run erase again with such an identity.`
        : `Storage refused the delete (HTTP 403${code ? ` ${code}` : ""}): the identity needs Storage Blob Data Owner (or Contributor for current versions only).`,
    };
  return {
    ...at,
    ...said,
    kind: "failed",
    reason: `Storage refused the delete (HTTP ${status ?? "?"}${code ? ` ${code}` : ""}): ${error.message.split("\n")[0] ?? ""}`,
  };
}
