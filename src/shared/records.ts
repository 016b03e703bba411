/** Narrowing helpers for untrusted JSON. */
export type JsonRecord = Record<string, unknown>;

export function isRecord(value: unknown): value is JsonRecord {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function isNonEmptyString(value: unknown): value is string {
  return typeof value === "string" && value.trim().length > 0;
}

const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * Parses an ISO 8601 date-time as ACS and Event Grid write it (up to 7 fractional digits, `Z` or an
 * offset; no zone means UTC). Returns undefined for anything else, including impossible dates.
 */
export function parseIsoDateTime(value: unknown): Date | undefined {
  if (typeof value !== "string") return undefined;
  const match = ISO_DATE_TIME.exec(value.trim());
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second] = match.map((part) => (part === undefined ? 0 : Number(part)));
  const calendar = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  if (calendar.getUTCMonth() !== Number(month) - 1 || calendar.getUTCDate() !== Number(day)) return undefined;
  if (Number(hour) > 23 || Number(minute) > 59 || Number(second) > 60) return undefined;
  const zoned = match[7] ? value.trim() : `${value.trim()}Z`;
  const millis = Date.parse(zoned);
  return Number.isNaN(millis) ? undefined : new Date(millis);
}

// eslint-disable-next-line no-control-regex -- finding control characters is this pattern's job
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/**
 * The one escaper for untrusted text in logs and on terminals: every control character (C0, DEL, C1,
 * line and paragraph separators) becomes `\uXXXX`, so no value can forge a log line or drive a
 * terminal. `keepLineBreaks` leaves `\n` alone (for our own multi-line text).
 */
export function escapeControlCharacters(text: string, options: { keepLineBreaks?: boolean } = {}): string {
  return text.replace(CONTROL_CHARACTERS, (char) =>
    options.keepLineBreaks && char === "\n" ? char : `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/** An untrusted value made safe for one log line: control characters escaped, length capped. */
export function printable(value: unknown, max = 200): string {
  const text = typeof value === "string" ? value : (JSON.stringify(value) ?? String(value));
  const escaped = escapeControlCharacters(text);
  return escaped.length > max ? `${escaped.slice(0, max)}…` : escaped;
}
