/** ISO 8601 date-times as ACS and Event Grid write them, read strictly. */
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
