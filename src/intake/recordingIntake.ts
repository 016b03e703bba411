import type { InvalidDeliveryError } from "../errors";
import type { Log } from "../shared/log";
import { printable } from "../shared/logSafe";
import type { ChunkQueue } from "../storage/chunkQueue";
import type { Quarantine } from "../storage/quarantine";
import { intakeDeadline } from "../storage/storageDeadline";
import type { IntakeCatalog } from "../catalog/intakeCatalog";
import type { ErasureTombstones } from "../catalog/erasureTombstones";
import { archiverMetrics } from "../telemetry/archiverMetrics";
import { withoutErasedChunks } from "./erasedChunks";
import { triageEvents, type IntakePolicy } from "./eventTriage";
import { keepRejections, MAX_SEPARATE_RECORDS, type RejectedEvent } from "./rejectionKeeping";

export interface IntakeDependencies {
  readonly chunkQueue: ChunkQueue;
  readonly quarantine: Quarantine;
  readonly policy: IntakePolicy;
  /** Leaves the trace the status API reads (expected chunks) and counts events; absent = none. */
  readonly catalog?: IntakeCatalog;
  /** Erasure tombstones: a chunk a data-subject erasure removed is not queued again (absent = none are checked). */
  readonly erasures?: ErasureTombstones;
}

export interface IntakeReport {
  readonly received: number;
  readonly accepted: number;
  readonly ignored: number;
  readonly enqueued: number;
  /** Chunks of valid events not queued because a data-subject erasure removed them (not an error). */
  readonly skippedErased: number;
  /** How many elements were rejected (and kept in the quarantine container). */
  readonly rejectedCount: number;
  /** Where the rejected elements were kept: all of them, or the first MAX_SEPARATE_RECORDS of a flood. */
  readonly rejected: readonly RejectedEvent[];
}

/**
 * The one core behind both entry points: validates RecordingFileStatusUpdated events, fans out one
 * queue message per chunk, quarantines invalid elements with their reasons, and ignores other types.
 * Everything it writes is bounded by `deadline` (INTAKE_DEADLINE_MS from arrival by default). Throws
 * StorageUnavailableError when a message or a quarantine record could not be written, so the caller
 * makes Event Grid redeliver (duplicates are harmless: the archiver is idempotent per chunk, and
 * quarantine names depend on the content only).
 */
export class RecordingIntake {
  constructor(private readonly deps: IntakeDependencies) {}

  async receive(events: readonly unknown[], receivedVia: string, log: Log, deadline: AbortSignal = intakeDeadline()): Promise<IntakeReport> {
    const triaged = triageEvents(events, this.deps.policy, receivedVia, log);
    const { rejections, accepted, ignored } = triaged;
    // An erased chunk stays erased: a redelivered event neither queues it nor expects it again.
    const { kept: messages, erased } = this.deps.erasures
      ? await withoutErasedChunks(triaged.messages, this.deps.erasures, deadline)
      : { kept: triaged.messages, erased: [] };
    if (erased.length > 0) {
      archiverMetrics().chunksErasedSkipped.add(erased.length, { where: "intake" });
      log.info(
        `Skipped ${erased.length} chunk(s) that a data-subject erasure removed (not queued, not expected again): ${erased
          .slice(0, 5)
          .map((message) => printable(message.chunkKey))
          .join(", ")}${erased.length > 5 ? ", …" : ""}.`,
      );
    }
    // Every write runs to its end before answering (allSettled): what was queued is known, whatever failed.
    const [kept, queued, catalogued] = await Promise.allSettled([
      keepRejections(this.deps.quarantine, rejections, events.length, log, deadline),
      this.deps.chunkQueue.enqueue(messages, deadline),
      this.deps.catalog?.received({ messages, accepted, ignored, rejected: rejections.length }, deadline),
    ]);
    if (queued.status === "rejected") throw queued.reason;
    // Without its expected record a queued chunk would not show as pending: the redelivery writes it.
    if (catalogued.status === "rejected") throw catalogued.reason;
    const traces = catalogued.value;
    if (traces && traces.laterEvents > 0) {
      // Archived all the same (a real recording's chunks may come in several events); marked in the manifest and status.
      const line = `${traces.laterEvents} event(s) named chunks of a recording another event announced first${traces.otherResource > 0 ? `, ${traces.otherResource} of them from another ACS resource` : ""}; their chunks are archived and marked (intakeTrace) in the manifest and the status API.`;
      if (traces.otherResource > 0) log.warn(line);
      else log.info(line);
    }
    for (const message of messages) {
      log.info(`Queued chunk ${printable(message.chunkKey)} (event ${printable(message.eventId)}) on ${this.deps.chunkQueue.name}.`);
    }
    if (kept.status === "rejected") throw kept.reason;
    return {
      received: events.length,
      accepted,
      ignored,
      enqueued: messages.length,
      skippedErased: erased.length,
      rejectedCount: kept.value.length,
      rejected: kept.value.slice(0, MAX_SEPARATE_RECORDS),
    };
  }

  /** Keeps a whole delivery that could not be read (not JSON, not events) for an operator. */
  async rejectDelivery(body: string, problem: InvalidDeliveryError, receivedVia: string, log: Log, deadline: AbortSignal = intakeDeadline()): Promise<string> {
    const keptAt = await this.deps.quarantine.keep({ reason: { code: problem.code, message: problem.message }, receivedVia, input: body }, deadline);
    log.error(`Rejected a delivery (${problem.code}): ${problem.message} Kept at ${keptAt}.`);
    return keptAt;
  }
}
