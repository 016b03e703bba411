import { CATALOGUE_SUFFIX, METADATA_SUFFIX, RECORDINGS_PREFIX, type ChunkBlobNames } from "../layout/blobLayout";
import { blobNameProblem } from "./listedNames";

/**
 * One archived chunk, as the participant index names it: its recording folder (`calls/<call>/<recording>/`) and
 * the stem its blobs share (`<index>-<documentId, escaped>`): media `<stem>.<mp4|mp3|wav|bin>`, metadata document
 * `<stem>.metadata.json`, BYOS catalogue record `<stem>.byos.json` (src/layout/blobLayout.ts).
 */
export interface ChunkRef {
  readonly folder: string;
  readonly stem: string;
}

const MEDIA_SUFFIXES = [".mp4", ".mp3", ".wav", ".bin"] as const;

export type ChunkFileKind = "media" | "metadata" | "catalogue";

export function chunkRefOf(names: Pick<ChunkBlobNames, "folder" | "metadata">): ChunkRef {
  return { folder: names.folder, stem: names.metadata.slice(names.folder.length, -METADATA_SUFFIX.length) };
}

/** The chunk of a `….metadata.json` blob name, or undefined for any other name (or an unusable one). */
export function chunkRefOfMetadataBlob(name: string): ChunkRef | undefined {
  if (!name.endsWith(METADATA_SUFFIX)) return undefined;
  const at = name.lastIndexOf("/") + 1;
  const ref = { folder: name.slice(0, at), stem: name.slice(at, -METADATA_SUFFIX.length) };
  return chunkRefProblem(ref) === undefined ? ref : undefined;
}

export function metadataBlobOf(ref: ChunkRef): string {
  return `${ref.folder}${ref.stem}${METADATA_SUFFIX}`;
}

export function catalogueRecordOf(ref: ChunkRef): string {
  return `${ref.folder}${ref.stem}${CATALOGUE_SUFFIX}`;
}

/** Every blob of a chunk shares this prefix (so do blobs of a documentId that extends this one: filter with chunkFileKind). */
export function chunkPrefix(ref: ChunkRef): string {
  return `${ref.folder}${ref.stem}.`;
}

/** What a listed blob is to the chunk: exactly one of its names, or undefined (another chunk's blob, or anything else). */
export function chunkFileKind(name: string, ref: ChunkRef): ChunkFileKind | undefined {
  const prefix = `${ref.folder}${ref.stem}`;
  if (!name.startsWith(prefix)) return undefined;
  const suffix = name.slice(prefix.length);
  if (suffix === METADATA_SUFFIX) return "metadata";
  if (suffix === CATALOGUE_SUFFIX) return "catalogue";
  return (MEDIA_SUFFIXES as readonly string[]).includes(suffix) ? "media" : undefined;
}

/** The chunk's index from its stem (`0003-…` → 3). */
export function chunkIndexOf(ref: ChunkRef): number {
  return Number(/^(\d+)-/.exec(ref.stem)?.[1] ?? Number.NaN);
}

/** The escaped documentId segment of the stem (`0003-<segment>`). */
export function documentSegmentOf(ref: ChunkRef): string {
  return ref.stem.slice(ref.stem.indexOf("-") + 1);
}

/** `calls/<call>/<recording>/`, each segment usable as a name; a stem `<digits>-<segment>`. */
export function chunkRefProblem(ref: ChunkRef): string | undefined {
  const folder = /^calls\/([^/]+)\/([^/]+)\/$/.exec(ref.folder);
  if (!folder || !ref.folder.startsWith(RECORDINGS_PREFIX))
    return `recording folder ${JSON.stringify(ref.folder)} is not calls/<call>/<recording>/`;
  if (!/^[0-9]+-[^/]+$/.test(ref.stem)) return `chunk ${JSON.stringify(ref.stem)} is not <index>-<documentId>`;
  return blobNameProblem(`${ref.folder}${ref.stem}`) === undefined
    ? undefined
    : `${JSON.stringify(ref.folder + ref.stem)} ${blobNameProblem(ref.folder + ref.stem) ?? ""}`;
}
