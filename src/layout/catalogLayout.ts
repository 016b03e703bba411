import { callFolder, OPERATIONAL_PREFIXES, pathSegment, RECORDINGS_PREFIX } from "./blobLayout";

/**
 * The catalog mirrors the recordings' folders under its own operational prefix, so that one listing
 * of `archive-catalog/<call>/` finds every recording intake has seen for a call:
 * `archive-catalog/<call>/<recording>/expected.json` (written at intake),
 * `archive-catalog/<call>/<recording>/outcomes/<index>-<documentId>-<ms>.json` (a chunk's failure outcome),
 * `archive-catalog/<call>/<recording>/traces/<hash>.json` (a later event's chunks of the recording, intakeTraces.ts) and
 * `archive-catalog/<call>/<recording>/queued/<index>-<documentId>-<event>.json` (a chunk intake queued, with its anomalies).
 */
const CATALOG_PREFIX = OPERATIONAL_PREFIXES.catalog;

/** `calls/<call>/<recording>/` -> `archive-catalog/<call>/<recording>/`. */
export function catalogFolder(recordingFolder: string): string {
  return `${CATALOG_PREFIX}${recordingFolder.slice(RECORDINGS_PREFIX.length)}`;
}

/** `archive-catalog/<call>/`: every recording of one call in the catalog. */
export function catalogCallFolder(call: string): string {
  return `${CATALOG_PREFIX}${callFolder(call).slice(RECORDINGS_PREFIX.length)}`;
}

/** `archive-catalog/<call>/<recording>/...` -> `calls/<call>/<recording>/` (undefined for other names). */
export function recordingFolderOf(catalogName: string): string | undefined {
  if (!catalogName.startsWith(CATALOG_PREFIX)) return undefined;
  const parts = catalogName.slice(CATALOG_PREFIX.length).split("/");
  if (parts.length < 3 || !parts[0] || !parts[1]) return undefined;
  return `${RECORDINGS_PREFIX}${parts[0]}/${parts[1]}/`;
}

export function expectedRecordName(recordingFolder: string): string {
  return `${catalogFolder(recordingFolder)}expected.json`;
}

export function outcomesFolder(recordingFolder: string): string {
  return `${catalogFolder(recordingFolder)}outcomes/`;
}

/** Traces of events after a recording's first one (whose trace is expected.json). */
export function tracesFolder(recordingFolder: string): string {
  return `${catalogFolder(recordingFolder)}traces/`;
}

/** Per-chunk records of the chunks intake queued (queuedChunks.ts). */
export function queuedFolder(recordingFolder: string): string {
  return `${catalogFolder(recordingFolder)}queued/`;
}

/** How a chunk's catalog records (outcomes, queued records) start their names: `<index>-<documentId, escaped>`. */
export function chunkNameKey(index: number, documentId: string): string {
  return `${index}-${pathSegment(documentId)}`;
}
