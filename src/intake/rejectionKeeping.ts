import { StorageUnavailableError } from "../errors";
import type { Log } from "../shared/log";
import { mapConcurrent } from "../shared/mapConcurrent";
import { printable } from "../shared/logSafe";
import type { Quarantine, RejectedInput } from "../storage/quarantine";
import type { AbortOptions } from "../shared/cancellation";

/** Up to this many rejected elements of one delivery get a record each; more are kept as ONE record. */
export const MAX_SEPARATE_RECORDS = 16;
/** Quarantine writes in flight per delivery. */
export const QUARANTINE_CONCURRENCY = 4;
/** Reasons quoted in the one log line per delivery. */
const QUOTED_REASONS = 5;

/** A rejected element of a delivery, as triage found it. */
export interface TriagedRejection {
  readonly position: number;
  readonly rejection: RejectedInput;
}

/** Where a rejected element was kept. */
export interface RejectedEvent {
  readonly position: number;
  readonly eventId?: string;
  readonly code: string;
  readonly field?: string;
  readonly message: string;
  /** `<container>/<blob>` where the element was kept. */
  readonly keptAt: string;
}

/**
 * Keeps every rejected element of one delivery where an operator can find it, at a cost that does not
 * grow with the junk: a few rejections get a record each (QUARANTINE_CONCURRENCY writes at a time), a
 * flood is kept as one record listing each element's position and reason. Logs ONE line with the
 * counts and the first few reasons. Throws StorageUnavailableError when anything could not be kept.
 */
export async function keepRejections(
  quarantine: Quarantine,
  rejected: readonly TriagedRejection[],
  received: number,
  log: Log,
  { abortSignal: signal }: AbortOptions = {},
): Promise<RejectedEvent[]> {
  if (rejected.length === 0) return [];
  const summary = `Rejected ${rejected.length} of ${received} events (${countByCode(rejected)}); first: ${firstReasons(rejected)}`;
  let kept: RejectedEvent[];
  try {
    kept =
      rejected.length <= MAX_SEPARATE_RECORDS
        ? await keepSeparately(quarantine, rejected, { abortSignal: signal })
        : await keepTogether(quarantine, rejected, { abortSignal: signal });
  } catch (error) {
    log.error(`${summary}. They could NOT be quarantined; the delivery will be retried.`);
    throw error instanceof StorageUnavailableError
      ? error
      : new StorageUnavailableError("Quarantine failed.", { cause: error });
  }
  const places = [...new Set(kept.map((entry) => entry.keptAt))];
  log.error(
    `${summary}. Kept at ${places.slice(0, QUOTED_REASONS).join(", ")}${places.length > QUOTED_REASONS ? ` and ${places.length - QUOTED_REASONS} more` : ""}.`,
  );
  return kept;
}

async function keepSeparately(
  quarantine: Quarantine,
  rejected: readonly TriagedRejection[],
  { abortSignal: signal }: AbortOptions = {},
): Promise<RejectedEvent[]> {
  const results = await mapConcurrent(rejected, QUARANTINE_CONCURRENCY, ({ rejection }) =>
    quarantine.keep(rejection, { abortSignal: signal }),
  );
  const failed = results.find((result): result is PromiseRejectedResult => result.status === "rejected");
  if (failed) throw failed.reason;
  return rejected.map((entry, i) => described(entry, (results[i] as PromiseFulfilledResult<string>).value));
}

async function keepTogether(
  quarantine: Quarantine,
  rejected: readonly TriagedRejection[],
  { abortSignal: signal }: AbortOptions = {},
): Promise<RejectedEvent[]> {
  const first = rejected[0] as TriagedRejection;
  const keptAt = await quarantine.keep(
    {
      reason: {
        code: "RejectedEvents",
        message: `${rejected.length} elements of one delivery were rejected; each one's position and reason is in "rejections", and the element itself at the same index of "input".`,
      },
      receivedVia: first.rejection.receivedVia,
      rejections: rejected.map(({ position, rejection }) => ({
        position,
        reason: rejection.reason,
        ...(rejection.eventId !== undefined ? { eventId: rejection.eventId } : {}),
      })),
      input: rejected.map(({ rejection }) => rejection.input),
    },
    { abortSignal: signal },
  );
  return rejected.map((entry) => described(entry, keptAt));
}

function described({ position, rejection }: TriagedRejection, keptAt: string): RejectedEvent {
  const { code, message, field } = rejection.reason;
  return {
    position,
    ...(rejection.eventId !== undefined ? { eventId: rejection.eventId } : {}),
    code,
    ...(field !== undefined ? { field } : {}),
    message,
    keptAt,
  };
}

function countByCode(rejected: readonly TriagedRejection[]): string {
  const counts = new Map<string, number>();
  for (const { rejection } of rejected) counts.set(rejection.reason.code, (counts.get(rejection.reason.code) ?? 0) + 1);
  return [...counts].map(([code, count]) => `${printable(code, 40)} ×${count}`).join(", ");
}

function firstReasons(rejected: readonly TriagedRejection[]): string {
  const quoted = rejected.slice(0, QUOTED_REASONS).map(({ position, rejection }) => {
    const name = rejection.eventId === undefined ? `#${position}` : `#${position} ${printable(rejection.eventId, 80)}`;
    return `${name}: ${printable(rejection.reason.message, 300)}`;
  });
  return `${quoted.join("; ")}${rejected.length > QUOTED_REASONS ? `; … ${rejected.length - QUOTED_REASONS} more` : ""}`;
}
