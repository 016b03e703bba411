/**
 * What a chunk's deadline (eventTime + RETENTION_HOURS) means to the archiver: urgency, warnings and
 * the wording of records — never a reason to stop while ACS still serves the chunk.
 */

/**
 * ACS counts retention from its own clock (the recording's end, minutes before the event): a 404
 * this close to our deadline, or after it, means ACS deleted the file. Earlier, a 404 is transient
 * (the file may not be ready yet, or a replica lags).
 */
const EXPIRY_MARGIN_MS = 30 * 60_000;

/** Whether a 404 for this chunk now means `expired`. */
export function notFoundMeansExpired(deadline: string, now: Date): boolean {
  return now.getTime() > Date.parse(deadline) - EXPIRY_MARGIN_MS;
}

/**
 * The "deadline at risk" warning: once a quarter of the retention window is left (6 h of a 24 h
 * window), once per invocation — not on every retry.
 */
export function deadlineAtRisk(deadline: string, now: Date, retentionHours: number): string | undefined {
  const left = Date.parse(deadline) - now.getTime();
  if (left >= (retentionHours * 3_600_000) / 4) return undefined;
  return left > 0 ? `${(left / 3_600_000).toFixed(1)} h left` : `${(-left / 3_600_000).toFixed(1)} h past`;
}
