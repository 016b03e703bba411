import { createHmac } from "node:crypto";

/** Longest participantId accepted (ACS ids are well under 200 characters). */
export const MAX_PARTICIPANT_ID = 1024;

/**
 * The keyed hash that stands for a participant everywhere outside the archived metadata:
 * HMAC-SHA-256 with PARTICIPANT_INDEX_KEY over the participantId exactly as ACS wrote it, hex.
 * Without the key nobody can test a guessed id against the index (a plain hash could be).
 */
export function participantKey(indexKey: string, participantId: string): string {
  return createHmac("sha256", indexKey).update(participantId, "utf8").digest("hex");
}

/** Why a participantId given on the command line or in a route is unusable, or undefined. */
export function participantIdProblem(value: string): string | undefined {
  if (value.trim() === "") return "is empty";
  if (value.length > MAX_PARTICIPANT_ID) return `is longer than ${MAX_PARTICIPANT_ID} characters`;
  // eslint-disable-next-line no-control-regex -- finding control characters is this pattern's job
  if (/[\u0000-\u001f\u007f]/.test(value)) return "contains control characters";
  return undefined;
}
