import { isRecord } from "../shared/untrustedJson";

/** Metadata documents are a few KiB; this bounds what is read of one (participants, BYOS copies, exports). */
export const MAX_METADATA_READ = 8 * 1024 * 1024;

/** Longest participantId accepted (ACS ids are well under 200 characters). */
export const MAX_PARTICIPANT_ID = 1024;

/**
 * The participantIds of one metadata document as ACS wrote them, read tolerantly (`participants[].participantId`,
 * casing variants, plain strings; ids longer than MAX_PARTICIPANT_ID dropped), or why there are none: not JSON at
 * all (the archive keeps such documents byte for byte), or JSON without a `participants` array. Participant ids are
 * personal data: never logged.
 */
export function listedParticipantIds(body: Buffer): string[] | "invalidJson" | "noParticipantList" {
  const list = participantList(body);
  return list === "invalidJson" || list === "noParticipantList" ? list : rawIds(list);
}

/**
 * The participantIds of one metadata document as ACS wrote them (duplicates dropped): what the manifest lists. A body
 * that is not JSON, or has no participants array, has none.
 */
export function participantIdsOf(body: Buffer): string[] {
  const ids = listedParticipantIds(body);
  return typeof ids === "string" ? [] : [...new Set(ids)];
}

function participantList(body: Buffer): unknown[] | "invalidJson" | "noParticipantList" {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString("utf8").replace(/^\uFEFF/, ""));
  } catch {
    return "invalidJson";
  }
  const list = isRecord(parsed) ? fieldOf(parsed, "participants") : undefined;
  return Array.isArray(list) ? (list as unknown[]) : "noParticipantList";
}

function rawIds(list: readonly unknown[]): string[] {
  const ids: string[] = [];
  for (const participant of list) {
    const id =
      typeof participant === "string"
        ? participant
        : isRecord(participant)
          ? fieldOf(participant, "participantid")
          : undefined;
    if (typeof id === "string" && id.trim() !== "" && id.length <= MAX_PARTICIPANT_ID) ids.push(id);
  }
  return ids;
}

/** A field by its name in any letter case (real documents have had `Participants`, `participantid`). */
function fieldOf(record: Record<string, unknown>, lowerCaseName: string): unknown {
  return Object.entries(record).find(([key]) => key.toLowerCase() === lowerCaseName)?.[1];
}
