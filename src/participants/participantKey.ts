import { createHmac } from "node:crypto";
import { MAX_PARTICIPANT_ID } from "../layout/metadataDocument";

/**
 * A participantId in the one spelling the index uses, at index time and at lookup time alike: surrounding white
 * space trimmed, and a phone number (`4:` ids) in canonical E.164 — `4:+1 (425) 555-0123` → `4:+14255550123`,
 * `4:0044 20 7946 0000` → `4:+442079460000`. A `4:` id that does not become a valid E.164 number keeps its trimmed
 * spelling (it is still found by the same spelling). Other kinds (`8:acs:…`, `8:teamsvisitor:…`) are case- and
 * byte-exact, as ACS writes them.
 */
export function normaliseParticipantId(value: string): string {
  const trimmed = value.trim();
  if (!trimmed.startsWith("4:")) return trimmed;
  let number = trimmed.slice(2).replace(/[\s\-().\u00a0]/g, "");
  if (number.startsWith("00")) number = `+${number.slice(2)}`;
  else if (/^[0-9]+$/.test(number)) number = `+${number}`;
  return /^\+[1-9][0-9]{1,14}$/.test(number) ? `4:${number}` : trimmed;
}

/**
 * The keyed hash that stands for a participant everywhere outside the archived metadata: HMAC-SHA-256 with
 * PARTICIPANT_INDEX_KEY over the normalised participantId (normaliseParticipantId), hex. Without the key nobody can
 * test a guessed id against the index (a plain hash could be).
 */
export function participantKey(indexKey: string, participantId: string): string {
  return createHmac("sha256", indexKey).update(normaliseParticipantId(participantId), "utf8").digest("hex");
}

/** The fixed label whose HMAC identifies a key without revealing it. */
const FINGERPRINT_LABEL = "acs-recording-archiver/participant-index/key-fingerprint/v1";

/** HMAC-SHA-256 of a fixed label with the index key, hex: tells two keys apart, never reveals one. */
export function indexKeyFingerprint(indexKey: string): string {
  return createHmac("sha256", indexKey).update(FINGERPRINT_LABEL, "utf8").digest("hex");
}

/** Why a participantId given on the command line or in a request is unusable, or undefined. */
export function participantIdProblem(value: string): string | undefined {
  if (value.trim() === "") return "is empty";
  if (value.length > MAX_PARTICIPANT_ID) return `is longer than ${MAX_PARTICIPANT_ID} characters`;
  // eslint-disable-next-line no-control-regex -- finding control characters is this pattern's job
  if (/[\u0000-\u001f\u007f]/.test(value.trim())) return "contains control characters";
  return undefined;
}
