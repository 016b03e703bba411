import type { PermanentExpectation } from "./faultPlan";

/** A chunk identity as the soak expects to find it in the archive, derived from the plan, not from the app. */
export interface ExpectedChunk {
  /** `<resource, lower case>|<documentId>|<index>` (the archiver's idempotency key). */
  readonly chunkKey: string;
  readonly documentId: string;
  readonly index: number;
  readonly size: number;
  readonly mediaName: string;
  /** Content type the media blob must carry (from the event's format). */
  readonly contentType: string;
  readonly metadataName: string;
  readonly ignoreRange: boolean;
  /** The event gave a deleteLocation (GA era): DELETE_AFTER_ARCHIVE can remove the ACS copy. */
  readonly deletable: boolean;
  readonly faultLabels: readonly string[];
  readonly permanent?: PermanentExpectation;
  /** How many times its event was delivered. */
  readonly copies: number;
}

/** `2026-11-22T10:15:00.123Z` -> `20261122T101500123Z`, written out independently of src/layout/blobLayout.ts. */
function compact(iso: string): string {
  const date = new Date(iso).toISOString();
  return `${date.slice(0, 4)}${date.slice(5, 7)}${date.slice(8, 10)}T${date.slice(11, 13)}${date.slice(14, 16)}${date.slice(17, 19)}${date.slice(20, 23)}Z`;
}

/**
 * The documented layout (docs/architecture.md, "The archive"): `calls/<callId>/<recordingStartTime, compact UTC with ms>[-<recordingId>]/`
 * `<index, zero-padded>-<documentId>.<ext>` and `...-<documentId>.metadata.json` beside it; the index is padded to 4
 * digits, or more for long recordings. The soak's ids need no escaping.
 */
export function expectedNames(
  callId: string,
  recordingStartTime: string,
  recordingId: string | undefined,
  index: number,
  chunkCount: number,
  documentId: string,
  extension: string,
): { media: string; metadata: string } {
  const width = Math.max(4, String(Math.max(chunkCount - 1, index)).length);
  const folder = `calls/${callId}/${compact(recordingStartTime)}${recordingId === undefined ? "" : `-${recordingId}`}`;
  const stem = `${folder}/${String(index).padStart(width, "0")}-${documentId}`;
  return { media: `${stem}.${extension}`, metadata: `${stem}.metadata.json` };
}

export function chunkKeyOf(resource: string, documentId: string, index: number): string {
  return `${resource.trim().replace(/\/+$/, "").toLowerCase()}|${documentId}|${index}`;
}
