import { StorageUnavailableError, type InvalidDeliveryError } from "../errors";
import { CHUNK_ANOMALIES } from "../events/chunkAnomalies";
import type { ChunkMessage } from "../events/chunkMessage";
import type { RecordingEventPolicy } from "../events/recordingEvent";
import { DEFAULT_INTAKE_LIMITS, type IntakeLimits } from "../config/intakeLimits";
import type { Log } from "../shared/log";
import { printable } from "../shared/logSafe";
import type { ChunkQueue } from "../storage/chunkQueue";
import type { Quarantine } from "../storage/quarantine";
import { intakeDeadline } from "../storage/storageDeadline";
import type { IntakeCatalog } from "../catalog/intakeCatalog";
import { deliveryOverLimit, recordingsOverLimit } from "./deliveryLimits";
import { triageEvents } from "./eventTriage";
import { keepRejections, MAX_SEPARATE_RECORDS, type RejectedEvent } from "./rejectionKeeping";

export interface IntakeDependencies {
  readonly chunkQueue: ChunkQueue;
  readonly quarantine: Quarantine;
  readonly policy: RecordingEventPolicy;
  /** Leaves the trace the status API reads (expected chunks, queued chunks) and counts events; absent = none (and no redelivery check). */
  readonly catalog?: IntakeCatalog;
  /** INTAKE_MAX_*_PER_DELIVERY; DEFAULT_INTAKE_LIMITS when absent. */
  readonly limits?: IntakeLimits;
}

export interface IntakeReport {
  readonly received: number;
  readonly accepted: number;
  readonly ignored: number;
  /** Chunk messages sent by this attempt. */
  readonly enqueued: number;
  /** Chunks an earlier attempt of the same delivery had queued already (not sent again). */
  readonly alreadyQueued: number;
  /** How many elements were rejected (and kept in the quarantine container). */
  readonly rejectedCount: number;
  /** Where the rejected elements were kept: all of them, or the first MAX_SEPARATE_RECORDS of a flood. */
  readonly rejected: readonly RejectedEvent[];
}

/**
 * The one core behind both entry points: checks the delivery against its bounds (INTAKE_MAX_*_PER_DELIVERY; above
 * one, InvalidDeliveryError and nothing is queued), validates RecordingFileStatusUpdated events, fans out one queue
 * message per chunk that no earlier attempt of the delivery queued, quarantines invalid elements with their
 * reasons, and ignores other types. Everything it writes is bounded by `deadline` (INTAKE_DEADLINE_MS from arrival
 * by default), and the work before the first write by the bounds. Throws StorageUnavailableError when a message or
 * a record could not be written, so the caller makes Event Grid redeliver: chunks already queued are then found by
 * their queued records and not sent again, and quarantine names depend on the content only.
 */
export class RecordingIntake {
  private readonly limits: IntakeLimits;

  constructor(private readonly deps: IntakeDependencies) {
    this.limits = deps.limits ?? DEFAULT_INTAKE_LIMITS;
  }

  async receive(events: readonly unknown[], receivedVia: string, log: Log, deadline: AbortSignal = intakeDeadline()): Promise<IntakeReport> {
    const overLimit = deliveryOverLimit(events, this.limits);
    if (overLimit) throw overLimit;
    const { messages: found, rejections, accepted, ignored } = triageEvents(events, this.deps.policy, receivedVia, log);
    const tooManyRecordings = recordingsOverLimit(found, this.limits);
    if (tooManyRecordings) throw tooManyRecordings;
    // Validation is bounded by the delivery bounds; a machine so slow that even it used up the deadline answers 503.
    if (deadline.aborted) throw new StorageUnavailableError("The delivery could not be taken in before the intake deadline; Event Grid retries it.");
    this.deps.catalog?.counted({ accepted, ignored, rejected: rejections.length });
    const messages = distinctChunks(found);
    // Every write runs to its end before answering (allSettled): what was queued is known, whatever failed.
    const [kept, queued] = await Promise.allSettled([
      keepRejections(this.deps.quarantine, rejections, events.length, log, deadline),
      this.enqueue(messages, log, deadline),
    ]);
    if (queued.status === "rejected") throw queued.reason;
    if (kept.status === "rejected") throw kept.reason;
    return {
      received: events.length,
      accepted,
      ignored,
      enqueued: queued.value.length,
      alreadyQueued: messages.length - queued.value.length,
      rejectedCount: kept.value.length,
      rejected: kept.value.slice(0, MAX_SEPARATE_RECORDS),
    };
  }

  /** Expected records first, then the chunks no earlier attempt queued, each recorded as queued once sent. Returns those sent. */
  private async enqueue(messages: readonly ChunkMessage[], log: Log, deadline: AbortSignal): Promise<readonly ChunkMessage[]> {
    const catalog = this.deps.catalog;
    const pending = catalog ? await catalog.unqueued(messages, deadline) : messages;
    await this.deps.chunkQueue.enqueue(pending, {
      abortSignal: deadline,
      ...(catalog ? { afterSend: (message) => catalog.recordQueued(message, deadline) } : {}),
    });
    for (const message of pending) {
      log.info(`Queued chunk ${printable(message.chunkKey)} (event ${printable(message.eventId)}) on ${this.deps.chunkQueue.name}.`);
      if (message.anomalies && message.anomalies.length > 0) {
        log.warn(
          `Chunk ${printable(message.chunkKey)} (event ${printable(message.eventId)}) is archived, with anomalies ${message.anomalies.join(", ")}: ` +
            `${message.anomalies.map((code) => CHUNK_ANOMALIES[code]).join("; ")}.`,
        );
      }
    }
    if (pending.length < messages.length) {
      log.info(`${messages.length - pending.length} chunk(s) of this delivery were queued by an earlier attempt; not sent again.`);
    }
    return pending;
  }

  /** Keeps a whole delivery that could not be read (not JSON, not events) for an operator. */
  async rejectDelivery(body: string, problem: InvalidDeliveryError, receivedVia: string, log: Log, deadline: AbortSignal = intakeDeadline()): Promise<string> {
    const keptAt = await this.deps.quarantine.keep({ reason: { code: problem.code, message: problem.message }, receivedVia, input: body }, deadline);
    log.error(`Rejected a delivery (${problem.code}): ${problem.message} Kept at ${keptAt}.`);
    return keptAt;
  }
}

/** Each chunk of each event once (a delivery may carry the same event twice). */
function distinctChunks(messages: readonly ChunkMessage[]): ChunkMessage[] {
  const seen = new Set<string>();
  return messages.filter((message) => {
    const key = `${message.eventId}\n${message.chunkKey}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
