import { StorageUnavailableError, type InvalidDeliveryError } from "../errors";
import { CHUNK_ANOMALIES } from "../queue/chunkAnomalies";
import type { ChunkMessage } from "../queue/chunkMessage";
import { DEFAULT_INTAKE_LIMITS, type IntakeLimits } from "../config/intakeLimits";
import type { Log } from "../shared/log";
import { printable } from "../shared/logSafe";
import type { ChunkQueue } from "../queue/chunkQueue";
import type { Quarantine } from "../storage/quarantine";
import { intakeDeadline } from "../storage/storageDeadline";
import type { IntakeCatalog } from "../catalog/intakeCatalog";
import type { ErasureTombstones } from "../catalog/erasureTombstones";
import type { TraceSummary } from "../catalog/expectedRecords";
import { archiverMetrics } from "../telemetry/archiverMetrics";
import { deliveryOverLimit, recordingsOverLimit } from "./deliveryLimits";
import { withoutErasedChunks } from "./erasedChunks";
import { triageEvents, type IntakePolicy } from "./eventTriage";
import { keepRejections, MAX_SEPARATE_RECORDS, type RejectedEvent } from "./rejectionKeeping";
import type { AbortOptions } from "../shared/cancellation";

export interface IntakeDependencies {
  readonly chunkQueue: ChunkQueue;
  readonly quarantine: Quarantine;
  readonly policy: IntakePolicy;
  /** Leaves the traces the status API reads (expected chunks, later events, queued chunks) and counts events; absent = none (and no redelivery check). */
  readonly catalog?: IntakeCatalog;
  /** INTAKE_MAX_*_PER_DELIVERY; DEFAULT_INTAKE_LIMITS when absent. */
  readonly limits?: IntakeLimits;
  /** Erasure tombstones: a chunk a data-subject erasure removed is not queued again (absent = none are checked). */
  readonly erasures?: ErasureTombstones;
}

export interface IntakeReport {
  readonly received: number;
  readonly accepted: number;
  readonly ignored: number;
  /** Chunk messages sent by this attempt. */
  readonly enqueued: number;
  /** Chunks an earlier attempt of the same delivery had queued already (not sent again). */
  readonly alreadyQueued: number;
  /** Chunks of valid events not queued because a data-subject erasure removed them (not an error). */
  readonly skippedErased: number;
  /** How many elements were rejected (and kept in the quarantine container). */
  readonly rejectedCount: number;
  /** Where the rejected elements were kept: all of them, or the first MAX_SEPARATE_RECORDS of a flood. */
  readonly rejected: readonly RejectedEvent[];
}

/** What the queueing half of one delivery did. */
interface Enqueued {
  readonly sent: readonly ChunkMessage[];
  readonly alreadyQueued: number;
  readonly erased: number;
}

/**
 * The one core behind both entry points: checks the delivery against its bounds (INTAKE_MAX_*_PER_DELIVERY; above
 * one, InvalidDeliveryError and nothing is queued), validates RecordingFileStatusUpdated events, and per recording:
 * leaves out the chunks a data-subject erasure removed (tombstones), writes its traces (expected.json, later events)
 * and deadline markers, then fans out one queue message per chunk that no earlier attempt of the delivery queued,
 * each followed by its queued record. Invalid elements are quarantined with their reasons, other types ignored.
 * Everything it writes is bounded by `deadline` (INTAKE_DEADLINE_MS from arrival by default), and the work before the
 * first write by the bounds. Throws StorageUnavailableError when a message or a record could not be written, so the
 * caller makes Event Grid redeliver: chunks already queued are then found by their queued records and not sent again,
 * and quarantine names depend on the content only.
 */
export class RecordingIntake {
  private readonly limits: IntakeLimits;

  constructor(private readonly deps: IntakeDependencies) {
    this.limits = deps.limits ?? DEFAULT_INTAKE_LIMITS;
  }

  async receive(
    events: readonly unknown[],
    receivedVia: string,
    log: Log,
    { abortSignal: deadline = intakeDeadline() }: AbortOptions = {},
  ): Promise<IntakeReport> {
    const overLimit = deliveryOverLimit(events, this.limits);
    if (overLimit) throw overLimit;
    const { messages: found, rejections, accepted, ignored } = triageEvents(events, this.deps.policy, receivedVia, log);
    const tooManyRecordings = recordingsOverLimit(found, this.limits);
    if (tooManyRecordings) throw tooManyRecordings;
    // Validation is bounded by the delivery bounds; a machine so slow that even it used up the deadline answers 503.
    if (deadline.aborted)
      throw new StorageUnavailableError(
        "The delivery could not be taken in before the intake deadline; Event Grid retries it.",
      );
    this.deps.catalog?.counted({ accepted, ignored, rejected: rejections.length });
    const messages = distinctChunks(found);
    // Every write runs to its end before answering (allSettled): what was queued is known, whatever failed.
    const [kept, queued] = await Promise.allSettled([
      keepRejections(this.deps.quarantine, rejections, events.length, log, { abortSignal: deadline }),
      this.enqueue(messages, log, { abortSignal: deadline }),
    ]);
    if (queued.status === "rejected") throw queued.reason;
    if (kept.status === "rejected") throw kept.reason;
    return {
      received: events.length,
      accepted,
      ignored,
      enqueued: queued.value.sent.length,
      alreadyQueued: queued.value.alreadyQueued,
      skippedErased: queued.value.erased,
      rejectedCount: kept.value.length,
      rejected: kept.value.slice(0, MAX_SEPARATE_RECORDS),
    };
  }

  /**
   * Tombstones first (an erased chunk stays erased: a redelivered event neither queues it nor expects it again), then
   * the traces, then the chunks no earlier attempt queued, each recorded as queued once sent.
   */
  private async enqueue(
    found: readonly ChunkMessage[],
    log: Log,
    { abortSignal: deadline }: Required<AbortOptions>,
  ): Promise<Enqueued> {
    const { kept: messages, erased } = this.deps.erasures
      ? await withoutErasedChunks(found, this.deps.erasures, { abortSignal: deadline })
      : { kept: found, erased: [] };
    if (erased.length > 0) {
      archiverMetrics().chunksErasedSkipped.add(erased.length, { where: "intake" });
      log.info(
        `Skipped ${erased.length} chunk(s) that a data-subject erasure removed (not queued, not expected again): ${erased
          .slice(0, 5)
          .map((message) => printable(message.chunkKey))
          .join(", ")}${erased.length > 5 ? ", …" : ""}.`,
      );
    }
    const catalog = this.deps.catalog;
    const { pending, traces } = catalog
      ? await catalog.unqueued(messages, { abortSignal: deadline })
      : { pending: messages, traces: undefined };
    if (traces) logLaterEvents(traces, log);
    await this.deps.chunkQueue.enqueue(pending, {
      abortSignal: deadline,
      ...(catalog ? { afterSend: (message) => catalog.recordQueued(message, { abortSignal: deadline }) } : {}),
    });
    for (const message of pending) {
      log.info(
        `Queued chunk ${printable(message.chunkKey)} (event ${printable(message.eventId)}) on ${this.deps.chunkQueue.name}.`,
      );
      if (message.anomalies && message.anomalies.length > 0) {
        log.warn(
          `Chunk ${printable(message.chunkKey)} (event ${printable(message.eventId)}) is archived, with anomalies ${message.anomalies.join(", ")}: ` +
            `${message.anomalies.map((code) => CHUNK_ANOMALIES[code]).join("; ")}.`,
        );
      }
    }
    if (pending.length < messages.length) {
      log.info(
        `${messages.length - pending.length} chunk(s) of this delivery were queued by an earlier attempt; not sent again.`,
      );
    }
    return { sent: pending, alreadyQueued: messages.length - pending.length, erased: erased.length };
  }

  /** Keeps a whole delivery that could not be read (not JSON, not events) for an operator. */
  async rejectDelivery(
    body: string,
    problem: InvalidDeliveryError,
    receivedVia: string,
    log: Log,
    { abortSignal: deadline = intakeDeadline() }: AbortOptions = {},
  ): Promise<string> {
    const keptAt = await this.deps.quarantine.keep(
      { reason: { code: problem.code, message: problem.message }, receivedVia, input: body },
      { abortSignal: deadline },
    );
    log.error(`Rejected a delivery (${problem.code}): ${problem.message} Kept at ${keptAt}.`);
    return keptAt;
  }
}

/** Events that named chunks of a recording another event announced first: archived all the same, and marked. */
function logLaterEvents(traces: TraceSummary, log: Log): void {
  if (traces.laterEvents === 0) return;
  // A real recording's chunks may come in several events; marked (intakeTrace) in the manifest and the status API.
  const line =
    `${traces.laterEvents} event(s) named chunks of a recording another event announced first` +
    `${traces.otherResource > 0 ? `, ${traces.otherResource} of them from another ACS resource` : ""}; ` +
    "their chunks are archived and marked (intakeTrace) in the manifest and the status API.";
  if (traces.otherResource > 0) log.warn(line);
  else log.info(line);
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
