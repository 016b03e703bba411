import { createHash } from "node:crypto";
import { RECORDINGS_PREFIX } from "../layout/blobLayout";
import { chunkRefProblem, type ChunkRef } from "./chunkRef";

/**
 * The participant index lives in its own container, next to the archive container and never in it: a WORM
 * (immutability policy / legal hold) archive container could never delete an entry, and erasure must. Several
 * archive containers (apps) may share it: every name carries the archive container.
 *
 * - `participants/<keyed hash>/<archive container>/<call>/<recording>/<chunk stem>.json`: one entry per
 *   (participant, chunk), written from that chunk's own archived metadata document; one prefix listing answers
 *   "every chunk of participant P". Entries of older versions named a whole recording
 *   (`…/<call>/<recording>.json`): they are read as `legacy` and removed by `participants reindex`.
 * - `keys/<archive container>.json`: the fingerprint of the PARTICIPANT_INDEX_KEY the entries are keyed with.
 * - `flagged/<archive container>/<call>/<recording>/<chunk stem>.json`: chunks whose metadata could not be indexed
 *   (not JSON, no participant list, more participants than indexed), for an operator to check by hand.
 * - `byos-locations/<SHA-256 of the URL>/<archive container>/<call>/<recording>/<chunk stem>.json`: which chunks'
 *   catalogue records name a bring-your-own-storage blob (a blob two recordings name is never erased automatically).
 * - `reindex/<archive container>.json`: the checkpoint of an interrupted reindex.
 */
export const PARTICIPANT_INDEX_CONTAINER = "participant-index";

const INDEX_PREFIXES = {
  entries: "participants/",
  checkpoints: "reindex/",
  keys: "keys/",
  flagged: "flagged/",
  byosLocations: "byos-locations/",
} as const;

/** `calls/<call>/<recording>/<stem>` without `calls/`: the tail every per-chunk name ends in. */
function chunkTail(ref: ChunkRef): string {
  return `${ref.folder.slice(RECORDINGS_PREFIX.length)}${ref.stem}.json`;
}

/** Every entry of every participant (prune). */
export const ENTRIES_PREFIX = INDEX_PREFIXES.entries;

export function participantPrefix(key: string, container: string): string {
  return `${INDEX_PREFIXES.entries}${key}/${container}/`;
}

/** The entry saying "participant `key` is in this chunk". */
export function entryName(key: string, container: string, ref: ChunkRef): string {
  return `${participantPrefix(key, container)}${chunkTail(ref)}`;
}

export type ParsedEntry =
  | { readonly kind: "chunk"; readonly ref: ChunkRef }
  | { readonly kind: "legacy"; readonly folder: string }
  | { readonly kind: "unusable"; readonly reason: string };

/** What an entry name below `participants/<key>/<container>/` names. */
export function parseEntryTail(tail: string): ParsedEntry {
  const parts = tail.split("/");
  if (parts.length === 3 && parts[2]?.endsWith(".json")) {
    const ref = {
      folder: `${RECORDINGS_PREFIX}${parts[0] ?? ""}/${parts[1] ?? ""}/`,
      stem: (parts[2] ?? "").slice(0, -".json".length),
    };
    const problem = chunkRefProblem(ref);
    return problem ? { kind: "unusable", reason: problem } : { kind: "chunk", ref };
  }
  if (parts.length === 2 && parts[1]?.endsWith(".json")) {
    const folder = `${RECORDINGS_PREFIX}${parts[0] ?? ""}/${(parts[1] ?? "").slice(0, -".json".length)}/`;
    const problem = chunkRefProblem({ folder, stem: "0-x" });
    return problem ? { kind: "unusable", reason: problem } : { kind: "legacy", folder };
  }
  return { kind: "unusable", reason: `${JSON.stringify(tail)} is not <call>/<recording>/<chunk>.json` };
}

/** `participants/<key>/<container>/<tail>` → its parts; undefined for other names. */
export function splitEntryName(name: string): { key: string; container: string; tail: string } | undefined {
  const match = /^participants\/([0-9a-f]{64})\/([a-z0-9-]+)\/(.+)$/.exec(name);
  return match ? { key: match[1] as string, container: match[2] as string, tail: match[3] as string } : undefined;
}

export function keyRecordName(recordingsContainer: string): string {
  return `${INDEX_PREFIXES.keys}${recordingsContainer}.json`;
}

export function flaggedPrefix(recordingsContainer: string): string {
  return `${INDEX_PREFIXES.flagged}${recordingsContainer}/`;
}

export function flagName(recordingsContainer: string, ref: ChunkRef): string {
  return `${flaggedPrefix(recordingsContainer)}${chunkTail(ref)}`;
}

/** A BYOS blob URL as claims name it: origin in lower case, path as given (blob names are case-sensitive), no query. */
function locationKey(url: string): string {
  const parsed = new URL(url);
  return createHash("sha256").update(`${parsed.origin.toLowerCase()}${parsed.pathname}`, "utf8").digest("hex");
}

export function byosLocationPrefix(url: string): string {
  return `${INDEX_PREFIXES.byosLocations}${locationKey(url)}/`;
}

/** The claim "the catalogue record of this chunk names `url`". */
export function byosClaimName(url: string, recordingsContainer: string, ref: ChunkRef): string {
  return `${byosLocationPrefix(url)}${recordingsContainer}/${chunkTail(ref)}`;
}

export function checkpointName(recordingsContainer: string): string {
  return `${INDEX_PREFIXES.checkpoints}${recordingsContainer}.json`;
}
