import { StorageUnavailableError, type InvalidDeliveryError } from "../errors";
import type { RecordingEventPolicy } from "../events/recordingEvent";
import type { Log } from "../shared/log";
import { printable } from "../shared/records";
import type { ChunkQueue } from "../storage/chunkQueue";
import type { IntakeCatalog } from "../catalog/intakeCatalog";
import { triageEvents } from "./eventTriage";
import type { Quarantine, RejectedInput } from "../storage/quarantine";

export interface IntakeDependencies {
  readonly chunkQueue: ChunkQueue;
  readonly quarantine: Quarantine;
  readonly policy: RecordingEventPolicy;
  /** Leaves the trace the status API reads (expected chunks) and counts events; absent = none. */
  readonly catalog?: IntakeCatalog;
}

export interface RejectedEvent {
  readonly eventId?: string;
  readonly code: string;
  readonly message: string;
  /** `<container>/<blob>` where the event was kept. */
  readonly keptAt: string;
}

export interface IntakeReport {
  readonly received: number;
  readonly accepted: number;
  readonly ignored: number;
  readonly enqueued: number;
  readonly rejected: readonly RejectedEvent[];
}

/**
 * The one core behind both entry points: validates RecordingFileStatusUpdated events, fans out one
 * queue message per chunk, quarantines each invalid event with its reason, and ignores other types.
 * Throws StorageUnavailableError when a message or a quarantine record could not be written, so the
 * caller makes Event Grid redeliver (duplicates are harmless: the archiver is idempotent per chunk).
 */
export class RecordingIntake {
  constructor(private readonly deps: IntakeDependencies) {}

  async receive(events: readonly unknown[], receivedVia: string, log: Log): Promise<IntakeReport> {
    const { messages, rejections: triaged, accepted, ignored } = triageEvents(events, this.deps.policy, receivedVia, log);
    const rejections = triaged.map((entry) => entry.rejection);
    const [kept] = await Promise.all([
      this.quarantineAll(rejections, log),
      this.deps.chunkQueue.enqueue(messages),
      this.deps.catalog?.received({ messages, accepted, ignored, rejected: rejections.length }),
    ]);
    for (const message of messages) {
      log.info(`Queued chunk ${message.index} (document ${message.documentId}) of event ${printable(message.eventId)} on ${this.deps.chunkQueue.name}.`);
    }
    return { received: events.length, accepted, ignored, enqueued: messages.length, rejected: kept };
  }

  /** Keeps a whole delivery that could not be read (not JSON, not events) for an operator. */
  async rejectDelivery(body: string, problem: InvalidDeliveryError, receivedVia: string, log: Log): Promise<string> {
    const keptAt = await this.deps.quarantine.keep({ reason: { code: problem.code, message: problem.message }, receivedVia, input: body });
    log.error(`Rejected a delivery (${problem.code}): ${problem.message} Kept at ${keptAt}.`);
    return keptAt;
  }

  private async quarantineAll(rejections: readonly RejectedInput[], log: Log): Promise<RejectedEvent[]> {
    const settled = await Promise.allSettled(rejections.map((rejection) => this.deps.quarantine.keep(rejection)));
    const kept: RejectedEvent[] = [];
    settled.forEach((result, position) => {
      const rejection = rejections[position] as RejectedInput;
      const name = rejection.eventId === undefined ? "(no id)" : printable(rejection.eventId);
      if (result.status === "rejected") {
        log.error(`Rejected event ${name}: ${rejection.reason.message} It could NOT be quarantined; the delivery will be retried.`);
        return;
      }
      log.error(`Rejected event ${name}: ${rejection.reason.message} Kept at ${result.value}.`);
      kept.push({ ...(rejection.eventId ? { eventId: rejection.eventId } : {}), code: rejection.reason.code, message: rejection.reason.message, keptAt: result.value });
    });
    const failed = settled.find((result): result is PromiseRejectedResult => result.status === "rejected");
    if (failed) throw failed.reason instanceof StorageUnavailableError ? failed.reason : new StorageUnavailableError("Quarantine failed.", { cause: failed.reason });
    return kept;
  }
}
