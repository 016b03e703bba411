import type { RecordingIntake } from "../../src/intake/recordingIntake";
import type { Log } from "../../src/shared/log";
import type { Delivery } from "./eventFeed";

export interface FeedReport {
  deliveries: number;
  eventsDelivered: number;
  repeatsDelivered: number;
  messagesEnqueued: number;
  eventsRejected: number;
  eventsIgnored: number;
  /** Deliveries the intake refused (StorageUnavailable): delivered again, as Event Grid would. */
  intakeRetries: number;
  /** Deliveries that never got through (the run fails). */
  lostDeliveries: number;
}

const QUIET: Log = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const MAX_TRIES = 5;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

/**
 * Plays the deliveries into the real intake core at their due times, like Event Grid posting to the webhook:
 * a delivery the intake refuses is tried again (up to 5 times).
 */
export async function runFeed(
  deliveries: readonly Delivery[],
  intake: RecordingIntake,
  stop: () => boolean,
  log: Log = QUIET,
): Promise<FeedReport> {
  const report: FeedReport = {
    deliveries: 0,
    eventsDelivered: 0,
    repeatsDelivered: 0,
    messagesEnqueued: 0,
    eventsRejected: 0,
    eventsIgnored: 0,
    intakeRetries: 0,
    lostDeliveries: 0,
  };
  const started = Date.now();
  for (const delivery of deliveries) {
    if (stop()) break;
    await sleep(started + delivery.atMs - Date.now());
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await intake.receive(delivery.events, "soak (Event Grid schema)", log);
        report.deliveries += 1;
        report.eventsDelivered += result.received;
        report.repeatsDelivered += delivery.repeats;
        report.messagesEnqueued += result.enqueued;
        report.eventsRejected += result.rejected.length;
        report.eventsIgnored += result.ignored;
        break;
      } catch (error) {
        if (attempt >= MAX_TRIES) {
          report.lostDeliveries += 1;
          log.error(`A delivery was refused ${MAX_TRIES} times: ${(error as Error).message}`);
          break;
        }
        report.intakeRetries += 1;
        await sleep(200 * attempt);
      }
    }
  }
  return report;
}
