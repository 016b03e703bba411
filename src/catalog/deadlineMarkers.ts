import { OPERATIONAL_PREFIXES, RECORDINGS_PREFIX } from "../layout/blobLayout";

/**
 * Deadline markers: `archive-deadlines/<deadline hour, YYYYMMDDTHH>/<call>/<recording>.json`, one per recording
 * and deadline hour of its chunks, written at intake next to the expected record. The deadline watch lists only the
 * hours it cares about (one prefix per hour) instead of scanning every recording; the marker's name is the
 * recording's folder, its body only a note for operators.
 */
const DEADLINES_PREFIX = OPERATIONAL_PREFIXES.deadlines;

const HOUR_MS = 3_600_000;

/** `2026-11-29T13:45:00.000Z` -> `20261129T13` (UTC); undefined for a time that does not parse. */
export function deadlineHour(time: string | number): string | undefined {
  const at = new Date(time);
  if (Number.isNaN(at.getTime())) return undefined;
  return at.toISOString().slice(0, 13).replace(/-/g, "");
}

/** `archive-deadlines/<hour>/`: every marker of one deadline hour. */
export function deadlineHourFolder(hour: string): string {
  return `${DEADLINES_PREFIX}${hour}/`;
}

/** `calls/<call>/<recording>/` -> `archive-deadlines/<hour>/<call>/<recording>.json`. */
export function deadlineMarkerName(hour: string, recordingFolder: string): string {
  return `${deadlineHourFolder(hour)}${recordingFolder.slice(RECORDINGS_PREFIX.length, -1)}.json`;
}

/** A marker's name -> the recording's folder `calls/<call>/<recording>/` (undefined for other names). */
export function recordingFolderOfMarker(name: string): string | undefined {
  const match = /^[0-9]{8}T[0-9]{2}\/([^/]+)\/([^/]+)\.json$/.exec(
    name.startsWith(DEADLINES_PREFIX) ? name.slice(DEADLINES_PREFIX.length) : "",
  );
  return match ? `${RECORDINGS_PREFIX}${match[1]}/${match[2]}/` : undefined;
}

/** The deadline hours from `from` to `to` (both included, oldest first). */
export function deadlineHoursBetween(from: Date, to: Date): string[] {
  const hours: string[] = [];
  for (let at = Math.floor(from.getTime() / HOUR_MS) * HOUR_MS; at <= to.getTime(); at += HOUR_MS) {
    const hour = deadlineHour(at);
    if (hour) hours.push(hour);
  }
  return hours;
}

/** The markers of one recording: one per distinct deadline hour of its chunks. */
export function deadlineMarkers(
  recordingFolder: string,
  chunks: readonly { readonly deadline: string }[],
): { name: string; text: string }[] {
  const byHour = new Map<string, string>();
  for (const { deadline } of chunks) {
    const hour = deadlineHour(deadline);
    if (hour && (!byHour.has(hour) || deadline < (byHour.get(hour) as string))) byHour.set(hour, deadline);
  }
  return [...byHour].map(([hour, deadline]) => ({
    name: deadlineMarkerName(hour, recordingFolder),
    text: JSON.stringify({ schemaVersion: 1, recordingFolder, deadline }),
  }));
}
