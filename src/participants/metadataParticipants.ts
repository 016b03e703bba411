import { listedParticipantIds } from "../layout/metadataDocument";
import { normaliseParticipantId } from "./participantKey";

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
  const listed = listedParticipantIds(body);
  if (typeof listed === "string") return { kind: listed };
  const ids = new Set<string>();
  for (const raw of listed) ids.add(normaliseParticipantId(raw));
  const all = [...ids];
  return { kind: "listed", ids: all.slice(0, limit), overflow: Math.max(0, all.length - limit) };
}
