import { app, type EventGridEvent, type EventGridHandler, type InvocationContext } from "@azure/functions";
import { lazyService, type Lazy } from "../app/serviceProvider";
import { InvalidDeliveryError } from "../errors";
import type { RecordingIntake } from "../intake/recordingIntake";
import { escapingLog } from "../shared/logSafe";
import { intakeDeadline } from "../storage/storageDeadline";

/**
 * Event Grid trigger for a subscription of endpoint type "Azure Function": the host does the
 * handshake and calls this once per event. Invalid events are quarantined and acknowledged; a
 * Storage failure (including Storage that does not answer within the intake deadline) or a bad setting is thrown
 * so that Event Grid retries the delivery. An event over a per-delivery bound (its chunks over
 * INTAKE_MAX_CHUNKS_PER_DELIVERY: one event is the whole delivery here) is kept whole in quarantine and acknowledged:
 * a retry could only be refused again, and the host has no 413 to answer with.
 */
export function recordingEventsGrid(intake: Lazy<RecordingIntake>): EventGridHandler {
  return async (event: EventGridEvent | EventGridEvent[], context: InvocationContext): Promise<void> => {
    const log = escapingLog(context);
    const deadline = intakeDeadline();
    // The host calls once per event; a batch (cardinality many) is taken as it comes.
    const events = Array.isArray(event) ? event : [event];
    try {
      await intake().receive(events, "eventGridTrigger", log, { abortSignal: deadline });
    } catch (error) {
      if (!(error instanceof InvalidDeliveryError)) throw error;
      await intake().rejectDelivery(JSON.stringify(event), error, "eventGridTrigger", log, { abortSignal: deadline });
    }
  };
}

app.eventGrid("recordingEventsGrid", {
  handler: recordingEventsGrid(lazyService((services) => services.intake)),
});
