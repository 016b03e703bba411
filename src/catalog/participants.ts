import { isRecord } from "../shared/records";

/**
 * The participant ids of one chunk's metadata document, read tolerantly: real documents vary
 * (`participants[].participantId`, casing variants, plain strings); anything unreadable gives none.
 * Participant ids are personal data: they go into the manifest only, never into logs or telemetry.
 */
export function participantIdsOf(document: Buffer): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(document.toString("utf8").replace(/^\uFEFF/, ""));
  } catch {
    return [];
  }
  if (!isRecord(parsed)) return [];
  const list = Object.entries(parsed).find(([key]) => key.toLowerCase() === "participants")?.[1];
  if (!Array.isArray(list)) return [];
  const ids: string[] = [];
  for (const entry of list) {
    const id = typeof entry === "string" ? entry : isRecord(entry) ? Object.entries(entry).find(([key]) => key.toLowerCase() === "participantid")?.[1] : undefined;
    if (typeof id === "string" && id.trim() !== "" && id.length <= 1024) ids.push(id);
  }
  return ids;
}
