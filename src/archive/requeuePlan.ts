import type { ChunkMessage } from "../events/chunkMessage";

/** Re-queue delays once the queue's own deliveries ran out: 5 min, doubling, at most 1 h. */
const BASE_SECONDS = 300;
const MAX_SECONDS = 3600;
/** Closer to the deadline than this, another try is not worth a round trip through the queue. */
const MIN_SECONDS_LEFT = 120;

export interface RequeuePlan {
  readonly redelivery: number;
  readonly delaySeconds: number;
  readonly worthIt: boolean;
}

/** When to try a chunk again after its deliveries ran out: growing delays, never past its deadline. */
export function requeuePlan(message: ChunkMessage, now: Date): RequeuePlan {
  const redelivery = (message.redelivery ?? 0) + 1;
  const untilDeadline = (Date.parse(message.deadline) - now.getTime()) / 1000;
  const delaySeconds = Math.min(MAX_SECONDS, BASE_SECONDS * 2 ** (redelivery - 1), Math.max(0, untilDeadline - 60));
  return { redelivery, delaySeconds, worthIt: untilDeadline > MIN_SECONDS_LEFT };
}
