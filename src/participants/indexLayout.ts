import { RECORDINGS_PREFIX } from "../archive/blobLayout";

/**
 * The participant index lives in its own container, next to the archive container and never in
 * it: a WORM (immutability policy / legal hold) archive container could never delete an entry, and
 * erasure must. One small blob per (participant, recording):
 * `participants/<keyed hash>/<archive container>/<recording folder below calls/>.json`, so one
 * prefix listing answers "every recording of participant P" (several apps may share the account).
 * Reindex checkpoints live under `reindex/`.
 */
export const PARTICIPANT_INDEX_CONTAINER = "participant-index";

const INDEX_PREFIXES = {
  entries: "participants/",
  checkpoints: "reindex/",
} as const;

export function participantPrefix(key: string, container: string): string {
  return `${INDEX_PREFIXES.entries}${key}/${container}/`;
}

/** `calls/<call>/<recording>/` -> `participants/<key>/<container>/<call>/<recording>.json` (folder segments are already escaped). */
export function entryName(key: string, container: string, folder: string): string {
  return `${participantPrefix(key, container)}${folder.slice(RECORDINGS_PREFIX.length).replace(/\/$/, "")}.json`;
}

/** The recording folder an entry names, or undefined for a name that is not an entry. */
export function folderOfEntry(name: string): string | undefined {
  const match = /^participants\/[0-9a-f]{64}\/[a-z0-9-]+\/(.+)\.json$/.exec(name);
  return match ? `${RECORDINGS_PREFIX}${match[1]}/` : undefined;
}

export function checkpointName(recordingsContainer: string): string {
  return `${INDEX_PREFIXES.checkpoints}${recordingsContainer}.json`;
}
