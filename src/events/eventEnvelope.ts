import type { CloudEvent, EventGridEvent } from "@azure/eventgrid";
import { isRecord } from "../shared/untrustedJson";

export const RECORDING_FILE_STATUS_UPDATED = "Microsoft.Communication.RecordingFileStatusUpdated";
export const SUBSCRIPTION_VALIDATION_EVENT = "Microsoft.EventGrid.SubscriptionValidationEvent";

/** The fields of an Event Grid or CloudEvents 1.0 event that intake needs, untrusted and unvalidated. */
export interface EventEnvelope {
  readonly schema: "EventGrid" | "CloudEvents";
  readonly id: unknown;
  readonly type: unknown;
  /** `topic` (Event Grid) or `source` (CloudEvents): the ACS resource id. */
  readonly source: unknown;
  readonly subject: unknown;
  readonly time: unknown;
  readonly data: unknown;
  /** Names of the envelope fields, for error messages that point at the right one. */
  readonly fields: { readonly id: string; readonly type: string; readonly source: string; readonly time: string };
}

/** Wire shapes as published in `@azure/eventgrid`; every field is still checked at run time. */
type EventGridWire = Partial<EventGridEvent<unknown>> & { topic?: unknown };
type CloudEventWire = Partial<CloudEvent<unknown>> & { specversion?: unknown };

/** Some senders put `data` in as JSON text; read it as the object it encodes. */
function dataOf(data: unknown): unknown {
  if (typeof data !== "string") return data;
  try {
    return JSON.parse(data) as unknown;
  } catch {
    return data;
  }
}

/** Reads an event in either schema; undefined when the value is not an event object at all. */
export function readEnvelope(value: unknown): EventEnvelope | undefined {
  if (!isRecord(value)) return undefined;
  if ("specversion" in value || ("type" in value && "source" in value && !("eventType" in value))) {
    const event = value as CloudEventWire;
    return {
      schema: "CloudEvents",
      id: event.id,
      type: event.type,
      source: event.source,
      subject: event.subject,
      time: event.time,
      data: dataOf(event.data),
      fields: { id: "id", type: "type", source: "source", time: "time" },
    };
  }
  const event = value as EventGridWire;
  return {
    schema: "EventGrid",
    id: event.id,
    type: event.eventType,
    source: event.topic,
    subject: event.subject,
    time: event.eventTime,
    data: dataOf(event.data),
    fields: { id: "id", type: "eventType", source: "topic", time: "eventTime" },
  };
}
