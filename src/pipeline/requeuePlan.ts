import type { ChunkMessage } from "../queue/chunkMessage";

/** Re-queue delays once the queue's own deliveries ran out: 5 min, doubling, at most 1 h. */
const BASE_SECONDS = 300;
const MAX_SECONDS = 3600;
/** Never sooner than this: a chunk at its deadline is retried, not spun. */
const MIN_SECONDS = 60;
/**
 * The deadline drives urgency, not giving up: ACS may serve a file past the documented retention, and
 * only its 404 says the file is gone (recorded as `expired`). Tries stop this long after the deadline.
 */
const LATE_TRY_SECONDS = 24 * 3600;

export interface RequeuePlan {
  readonly redelivery: number;
  readonly delaySeconds: number;
  /** False once the next try would land later than LATE_TRY_SECONDS past the deadline. */
  readonly worthIt: boolean;
}

/** When to try a chunk again after its deliveries ran out: growing delays, landing before the deadline while it is ahead. */
export function requeuePlan(message: ChunkMessage, now: Date): RequeuePlan {
  const redelivery = (message.redelivery ?? 0) + 1;
  const untilDeadline = (Date.parse(message.deadline) - now.getTime()) / 1000;
  let delaySeconds = Math.min(MAX_SECONDS, BASE_SECONDS * 2 ** (redelivery - 1));
  if (untilDeadline > 0) delaySeconds = Math.max(MIN_SECONDS, Math.min(delaySeconds, untilDeadline - 60));
  return { redelivery, delaySeconds, worthIt: untilDeadline + LATE_TRY_SECONDS > delaySeconds };
}
