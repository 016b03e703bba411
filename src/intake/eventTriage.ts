import { InvalidEventError } from "../errors";
import type { ChunkMessage } from "../events/chunkMessage";
import { readEnvelope, RECORDING_FILE_STATUS_UPDATED } from "../events/eventEnvelope";
import { chunkMessagesWithByos } from "../byos/byosIntake";
import type { RecordingEventPolicy } from "../events/recordingEvent";
import type { Log } from "../shared/log";
import { printable } from "../shared/records";
import type { RejectedInput } from "../storage/quarantine";

export interface TriagedEvents {
  /** One chunk message per chunk of every valid recording event. */
  readonly messages: readonly ChunkMessage[];
  /** Invalid events with their reason and where in the delivery they were. */
  readonly rejections: readonly { readonly position: number; readonly rejection: RejectedInput }[];
  readonly accepted: number;
  readonly ignored: number;
}

/**
 * Sorts a delivery's events: valid RecordingFileStatusUpdated events become chunk messages, invalid
 * ones become quarantine records (reason, id, type, source, how they came, the event as received),
 * other event types are ignored. Pure: nothing is written here.
 */
export function triageEvents(events: readonly unknown[], policy: RecordingEventPolicy, receivedVia: string, log: Log): TriagedEvents {
  const messages: ChunkMessage[] = [];
  const rejections: { position: number; rejection: RejectedInput }[] = [];
  let accepted = 0;
  let ignored = 0;
  events.forEach((raw, position) => {
    const envelope = readEnvelope(raw);
    if (!envelope) {
      rejections.push({ position, rejection: { reason: { code: "InvalidEvent", message: `events[${position}] is not an event object.` }, receivedVia, input: raw } });
      return;
    }
    if (envelope.type !== RECORDING_FILE_STATUS_UPDATED) {
      ignored += 1;
      log.debug(`Ignored event ${printable(envelope.id)} of type ${printable(envelope.type)}.`);
      return;
    }
    try {
      // Bring-your-own-storage step (issue 11): recognises BYOS chunks, then runs the usual validation.
      messages.push(...chunkMessagesWithByos(envelope, policy));
      accepted += 1;
    } catch (error) {
      if (!(error instanceof InvalidEventError)) throw error;
      rejections.push({
        position,
        rejection: {
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
  return { messages, rejections, accepted, ignored };
}
