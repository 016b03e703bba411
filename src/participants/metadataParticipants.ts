import { isRecord } from "../shared/untrustedJson";
import { MAX_PARTICIPANT_ID } from "./participantKey";

/** Metadata documents are a few KiB; this bounds what is read to find their participants. */
export const MAX_METADATA_READ = 8 * 1024 * 1024;

/**
 * The participantIds of one recording metadata document, read tolerantly: real documents vary
 * (`participants[].participantId`, casing variants, plain strings); a body that is not JSON, or has no
 * participants array, has none. Duplicates are dropped. The one reader for the manifest and the index,
 * so both name the same participants. Participant ids are personal data: never logged.
 */
export function participantIdsOf(body: Buffer): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString("utf8").replace(/^\uFEFF/, ""));
  } catch {
    return [];
  }
  if (!isRecord(parsed)) return [];
  const list = fieldOf(parsed, "participants");
  if (!Array.isArray(list)) return [];
  const ids = new Set<string>();
  for (const participant of list as unknown[]) {
    const id = typeof participant === "string" ? participant : isRecord(participant) ? fieldOf(participant, "participantid") : undefined;
    if (typeof id === "string" && id.trim() !== "" && id.length <= MAX_PARTICIPANT_ID) ids.add(id);
  }
  return [...ids];
}

/** A field by its name in any letter case (real documents have had `Participants`, `participantid`). */
function fieldOf(record: Record<string, unknown>, lowerCaseName: string): unknown {
  return Object.entries(record).find(([key]) => key.toLowerCase() === lowerCaseName)?.[1];
}
