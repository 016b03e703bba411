import { isRecord } from "../shared/untrustedJson";
import { MAX_PARTICIPANT_ID, normaliseParticipantId } from "./participantKey";

/** Metadata documents are a few KiB; this bounds what is read to find their participants. */
export const MAX_METADATA_READ = 8 * 1024 * 1024;

/**
 * Participants indexed per metadata document, far above any real call (a Teams town hall records a few hundred
 * speakers): an 8 MiB document could otherwise list ~10^6 ids, each an index write on every redelivery. Ids past
 * the bound are not indexed and the chunk is flagged (`tooManyParticipants`) for an operator.
 */
export const MAX_PARTICIPANTS_PER_DOCUMENT = 1_000;

/** What one metadata document says about its participants. */
export type DocumentParticipants =
  /** `ids`: normalised, distinct, at most MAX_PARTICIPANTS_PER_DOCUMENT; `overflow`: distinct ids past that bound. */
  | { readonly kind: "listed"; readonly ids: readonly string[]; readonly overflow: number }
  /** Not JSON at all (the archive keeps such documents byte for byte): nobody can be found in it. */
  | { readonly kind: "invalidJson" }
  /** JSON, but no `participants` array: a shape nobody can be found in. */
  | { readonly kind: "noParticipantList" };

/**
 * The participants of one metadata document (at most `limit` of them; evidence checks pass no limit), read tolerantly: real documents vary (`participants[].participantId`,
 * casing variants, plain strings). Ids are normalised (normaliseParticipantId) and de-duplicated. Participant ids
 * are personal data: never logged.
 */
export function readParticipants(body: Buffer, limit: number = MAX_PARTICIPANTS_PER_DOCUMENT): DocumentParticipants {
  const list = participantList(body);
  if (list === "invalidJson" || list === "noParticipantList") return { kind: list };
  const ids = new Set<string>();
  for (const raw of rawIds(list)) ids.add(normaliseParticipantId(raw));
  const all = [...ids];
  return { kind: "listed", ids: all.slice(0, limit), overflow: Math.max(0, all.length - limit) };
}

/**
 * The participantIds of one metadata document as ACS wrote them (duplicates dropped): what the manifest lists. A body
 * that is not JSON, or has no participants array, has none.
 */
export function participantIdsOf(body: Buffer): string[] {
  const list = participantList(body);
  return list === "invalidJson" || list === "noParticipantList" ? [] : [...new Set(rawIds(list))];
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
    const id = typeof participant === "string" ? participant : isRecord(participant) ? fieldOf(participant, "participantid") : undefined;
    if (typeof id === "string" && id.trim() !== "" && id.length <= MAX_PARTICIPANT_ID) ids.push(id);
  }
  return ids;
}

/** A field by its name in any letter case (real documents have had `Participants`, `participantid`). */
function fieldOf(record: Record<string, unknown>, lowerCaseName: string): unknown {
  return Object.entries(record).find(([key]) => key.toLowerCase() === lowerCaseName)?.[1];
}
