import { createCipheriv, createDecipheriv, createHmac, randomBytes } from "node:crypto";
import { InvalidContinuationTokenError } from "./participantErrors";

const TOKEN_VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Storage markers are a few hundred characters; a token is never more than this. */
export const MAX_CONTINUATION_TOKEN = 4096;
const LABEL = "acs-recording-archiver/participant-search/continuation/v1";

/**
 * The participant search's continuation token: Storage's listing marker, sealed (AES-256-GCM, a key derived from
 * PARTICIPANT_INDEX_KEY) and bound to one participant of one archive. A marker handed out as it is would carry the
 * next entry's name — the participant's keyed hash — and a client could steer the listing with a forged one; a
 * sealed token reveals nothing and opens only for the participant it was issued for.
 */
export function sealMarker(indexKey: string, binding: string, marker: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", tokenKey(indexKey), iv);
  cipher.setAAD(Buffer.from(binding, "utf8"));
  const sealed = Buffer.concat([cipher.update(marker, "utf8"), cipher.final()]);
  return Buffer.concat([Buffer.from([TOKEN_VERSION]), iv, cipher.getAuthTag(), sealed]).toString("base64url");
}

/** The marker inside a token this index issued for `binding`; InvalidContinuationTokenError otherwise. */
export function openMarker(indexKey: string, binding: string, token: string): string {
  const bytes =
    token.length <= MAX_CONTINUATION_TOKEN && /^[A-Za-z0-9_-]+$/.test(token)
      ? Buffer.from(token, "base64url")
      : Buffer.alloc(0);
  if (bytes.length <= 1 + IV_BYTES + TAG_BYTES || bytes[0] !== TOKEN_VERSION)
    throw new InvalidContinuationTokenError("continuationToken is not a token this API issued.");
  try {
    const decipher = createDecipheriv("aes-256-gcm", tokenKey(indexKey), bytes.subarray(1, 1 + IV_BYTES));
    decipher.setAAD(Buffer.from(binding, "utf8"));
    decipher.setAuthTag(bytes.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES));
    return Buffer.concat([decipher.update(bytes.subarray(1 + IV_BYTES + TAG_BYTES)), decipher.final()]).toString(
      "utf8",
    );
  } catch {
    throw new InvalidContinuationTokenError(
      "continuationToken was not issued for this participant (or by this index key); start again without it.",
    );
  }
}

function tokenKey(indexKey: string): Buffer {
  return createHmac("sha256", indexKey).update(LABEL, "utf8").digest();
}
