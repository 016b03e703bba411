import type { Settings } from "../../config/settingParsers";

/** Parts of connection strings that are secrets: their values are never printed. */
const SECRET_PARTS = /(?:^|;)\s*(accountkey|accesskey|sharedaccesssignature|instrumentationkey)\s*=\s*([^;]+)/gi;
/** Settings whose whole value is a secret. */
const SECRET_SETTINGS: readonly string[] = ["ARCHIVE_EVENTS_KEY"];
/** Signatures that could appear in a URL or a header, whatever their origin. */
const SIGNATURE_PATTERNS: readonly RegExp[] = [/([?&]sig=)[^&\s"']+/gi, /(Signature=)[A-Za-z0-9+/=%]+/g];
const MASK = "[redacted]";

/**
 * A last line of defence for everything the command line writes: the cores already keep secrets out of
 * messages, and this masks any key or SAS found in the settings, and any signature, should one slip through.
 */
export class Redactor {
  private readonly secrets: readonly string[];

  constructor(settings: Settings) {
    const found = new Set<string>();
    for (const name of SECRET_SETTINGS) {
      const secret = settings[name]?.trim();
      if (secret && secret.length >= 8) found.add(secret);
    }
    for (const value of Object.values(settings)) {
      if (typeof value !== "string") continue;
      for (const match of value.matchAll(SECRET_PARTS)) {
        const secret = match[2]?.trim();
        if (secret && secret.length >= 8) {
          found.add(secret);
          found.add(encodeURIComponent(secret));
        }
      }
    }
    const indexKey = settings["PARTICIPANT_INDEX_KEY"]?.trim();
    if (indexKey && indexKey.length >= 8) found.add(indexKey);
    // Longest first, so a secret that contains another is masked whole.
    this.secrets = [...found].sort((a, b) => b.length - a.length);
  }

  redact(text: string): string {
    let result = text;
    for (const secret of this.secrets) result = result.split(secret).join(MASK);
    for (const pattern of SIGNATURE_PATTERNS) result = result.replace(pattern, `$1${MASK}`);
    return result;
  }
}
