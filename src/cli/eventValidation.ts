import { describeError } from "../errors";
import { CHUNK_ANOMALIES } from "../queue/chunkAnomalies";
import type { ChunkMessage } from "../queue/chunkMessage";
import { triageEvents, type IntakePolicy } from "../intake/eventTriage";
import { QUARANTINE_CONCURRENCY } from "../intake/rejectionKeeping";
import type { Log } from "../shared/log";
import { mapConcurrent } from "../shared/mapConcurrent";
import { printable } from "../shared/logSafe";
import type { Quarantine, RejectedInput } from "../storage/quarantine";
import type { EventsReport, RejectedEventReport } from "./output/summary";

export interface ValidatedEvents {
  /** One chunk message per chunk of every valid event, exactly as intake would queue them. */
  readonly messages: readonly ChunkMessage[];
  readonly report: EventsReport;
}

/**
 * Intake's validation without the queue (the same triage as intake), each invalid event kept in the
 * quarantine container with the same record as intake writes. A quarantine write that fails is reported
 * on the event instead of stopping the run.
 */
export async function validateEvents(
  events: readonly unknown[],
  policy: IntakePolicy,
  quarantine: Quarantine,
  receivedVia: string,
  log: Log,
): Promise<ValidatedEvents> {
  const { messages, rejections, accepted, ignored } = triageEvents(events, policy, receivedVia, log);
  for (const message of messages) {
    if (message.anomalies && message.anomalies.length > 0) {
      log.warn(
        `Chunk ${printable(message.chunkKey)} is archived, with anomalies ${message.anomalies.map((code) => `${code} (${CHUNK_ANOMALIES[code]})`).join("; ")}.`,
      );
    }
  }
  const settled = await mapConcurrent(rejections, QUARANTINE_CONCURRENCY, ({ position, rejection }) =>
    keep(quarantine, position, rejection, log),
  );
  const rejected = settled.flatMap((result) => (result.status === "fulfilled" ? [result.value] : []));
  return { messages, report: { received: events.length, accepted, ignored, rejected } };
}

async function keep(
  quarantine: Quarantine,
  position: number,
  rejection: RejectedInput,
  log: Log,
): Promise<RejectedEventReport> {
  const name = rejection.eventId === undefined ? `at position ${position} (no id)` : printable(rejection.eventId);
  const base = {
    position,
    ...(rejection.eventId ? { eventId: rejection.eventId } : {}),
    code: rejection.reason.code,
    ...(rejection.reason.field ? { field: rejection.reason.field } : {}),
    message: rejection.reason.message,
  };
  try {
    const keptAt = await quarantine.keep(rejection);
    log.error(`Rejected event ${name}: ${rejection.reason.message} Kept at ${keptAt}.`);
    return { ...base, keptAt };
  } catch (error) {
    log.error(
      `Rejected event ${name}: ${rejection.reason.message} It could NOT be quarantined: ${describeError(error)}`,
    );
    return { ...base, keptAt: null, quarantineError: describeError(error) };
  }
}
