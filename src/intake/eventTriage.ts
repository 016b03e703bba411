import { InvalidEventError } from "../errors";
import type { ChunkMessage } from "../queue/chunkMessage";
import { readEnvelope, RECORDING_FILE_STATUS_UPDATED } from "../events/eventEnvelope";
import { chunkMessagesWithByos, type ByosPolicy } from "../byos/byosIntake";
import { unservedResourceProblem, type AcsResources } from "../config/acsResources";
import type { Log } from "../shared/log";
import { printable } from "../shared/logSafe";
import type { TriagedRejection } from "./rejectionKeeping";

export interface TriagedEvents {
  /** One chunk message per chunk of every valid recording event. */
  readonly messages: readonly ChunkMessage[];
  /** Invalid elements with their reason and where in the delivery they were. */
  readonly rejections: readonly TriagedRejection[];
  readonly accepted: number;
  readonly ignored: number;
}

/** What intake checks events against: the event rules, bring-your-own-storage accounts and the ACS resources served. */
export type IntakePolicy = ByosPolicy & { readonly acsResources: AcsResources };

/** Event types quoted in the one debug line about ignored events. */
const QUOTED_TYPES = 5;

/**
 * Sorts a delivery's events: valid RecordingFileStatusUpdated events become chunk messages, invalid
 * ones become quarantine records (reason, id, type, source, how they came, the event as received),
 * other event types are ignored (one debug line for all of them). Pure: nothing is written here.
 */
export function triageEvents(
  events: readonly unknown[],
  policy: IntakePolicy,
  receivedVia: string,
  log: Log,
): TriagedEvents {
  const messages: ChunkMessage[] = [];
  const rejections: TriagedRejection[] = [];
  const ignoredTypes = new Map<string, number>();
  let accepted = 0;
  let ignored = 0;
  events.forEach((raw, position) => {
    const envelope = readEnvelope(raw);
    if (!envelope) {
      rejections.push({
        position,
        rejection: {
          reason: { code: "InvalidEvent", message: `events[${position}] is not an event object.` },
          receivedVia,
          input: raw,
        },
      });
      return;
    }
    if (envelope.type !== RECORDING_FILE_STATUS_UPDATED) {
      ignored += 1;
      const type = printable(envelope.type, 100);
      ignoredTypes.set(type, (ignoredTypes.get(type) ?? 0) + 1);
      return;
    }
    try {
      // Bring-your-own-storage step: recognises BYOS chunks, then runs the usual validation.
      const eventMessages = chunkMessagesWithByos(envelope, policy);
      requireServedResource(eventMessages, policy.acsResources, envelope.fields.source);
      messages.push(...eventMessages);
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
  if (ignored > 0) {
    const types = [...ignoredTypes].slice(0, QUOTED_TYPES).map(([type, count]) => `${type} ×${count}`);
    log.debug(
      `Ignored ${ignored} events of other types: ${types.join(", ")}${ignoredTypes.size > QUOTED_TYPES ? ", …" : ""}.`,
    );
  }
  return { messages, rejections, accepted, ignored };
}

/**
 * Refuses (before anything is queued or signed) an event whose resource the app has no access key for, naming the
 * settings to add; chunks in bring-your-own-storage need no key. With ACS_RESOURCES groups, only the configured
 * resources are accepted at all (src/config/acsResources.ts).
 */
function requireServedResource(messages: readonly ChunkMessage[], resources: AcsResources, field: string): void {
  const [first] = messages;
  if (!first) return;
  const problem = unservedResourceProblem(
    resources,
    first.resource,
    messages.some((message) => message.byos === undefined),
  );
  if (problem) throw new InvalidEventError(field, `${problem}.`);
}
