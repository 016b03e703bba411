import { isRecord } from "../shared/records";
import { MAX_PARTICIPANT_ID } from "./participantKey";

/** Metadata documents are a few KiB; this bounds what is read to find their participants. */
export const MAX_METADATA_READ = 8 * 1024 * 1024;

/**
 * The participantIds of one recording metadata document (`participants[].participantId`), read
 * tolerantly: a body that is not JSON, or has no participants array, has none. Duplicates are dropped.
 */
export function participantIdsOf(body: Buffer): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString("utf8").replace(/^\uFEFF/, ""));
  } catch {
    return [];
  }
  if (!isRecord(parsed) || !Array.isArray(parsed["participants"])) return [];
  const ids = new Set<string>();
  for (const participant of parsed["participants"] as unknown[]) {
    const id = isRecord(participant) ? participant["participantId"] : undefined;
    if (typeof id === "string" && id.trim() !== "" && id.length <= MAX_PARTICIPANT_ID) ids.add(id);
  }
  return [...ids];
}
