import { describeError, InvalidEventError } from "../errors";
import type { ChunkMessage } from "../events/chunkMessage";
import { readEnvelope, RECORDING_FILE_STATUS_UPDATED } from "../events/eventEnvelope";
import { chunkMessagesFromEvent, type RecordingEventPolicy } from "../events/recordingEvent";
import type { Log } from "../shared/log";
import { printable } from "../shared/records";
import type { Quarantine, RejectedInput } from "../storage/quarantine";
import type { EventsReport, RejectedEventReport } from "./summary";

export interface ValidatedEvents {
  /** One chunk message per chunk of every valid event, exactly as intake would queue them. */
  readonly messages: readonly ChunkMessage[];
  readonly report: EventsReport;
}

/**
 * Intake's validation without the queue: the same envelope reader and event validator, and each invalid
 * event kept in the quarantine container with the same record as intake writes (reason, id, type,
 * source, how it arrived, the event as received). Events of other types are skipped. A quarantine write
 * that fails is reported on the event instead of stopping the run.
 */
export async function validateEvents(events: readonly unknown[], policy: RecordingEventPolicy, quarantine: Quarantine, receivedVia: string, log: Log): Promise<ValidatedEvents> {
  const messages: ChunkMessage[] = [];
  const rejections: { position: number; input: RejectedInput }[] = [];
  let accepted = 0;
  let ignored = 0;
  events.forEach((raw, position) => {
    const envelope = readEnvelope(raw);
    if (!envelope) {
      rejections.push({ position, input: { reason: { code: "InvalidEvent", message: `events[${position}] is not an event object.` }, receivedVia, input: raw } });
      return;
    }
    if (envelope.type !== RECORDING_FILE_STATUS_UPDATED) {
      ignored += 1;
      log.debug(`Ignored event ${printable(envelope.id)} of type ${printable(envelope.type)}.`);
      return;
    }
    try {
      messages.push(...chunkMessagesFromEvent(envelope, policy));
      accepted += 1;
    } catch (error) {
      if (!(error instanceof InvalidEventError)) throw error;
      rejections.push({
        position,
        input: {
          reason: { code: error.code, message: error.message, field: error.field },
          ...(typeof envelope.id === "string" ? { eventId: envelope.id } : {}),
          eventType: RECORDING_FILE_STATUS_UPDATED,
          ...(typeof envelope.source === "string" ? { source: envelope.source } : {}),
          receivedVia: `${receivedVia} (${envelope.schema} schema)`,
          input: raw,
        },
      });
    }
  });
  const rejected = await Promise.all(rejections.map(({ position, input }) => keep(quarantine, position, input, log)));
  return { messages, report: { received: events.length, accepted, ignored, rejected } };
}

async function keep(quarantine: Quarantine, position: number, rejection: RejectedInput, log: Log): Promise<RejectedEventReport> {
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
    log.error(`Rejected event ${name}: ${rejection.reason.message} It could NOT be quarantined: ${describeError(error)}`);
    return { ...base, keptAt: null, quarantineError: describeError(error) };
  }
}
