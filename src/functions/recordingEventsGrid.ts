import { app, type EventGridEvent, type EventGridHandler, type InvocationContext } from "@azure/functions";
import { lazyService, type Lazy } from "../app/serviceProvider";
import type { RecordingIntake } from "../intake/recordingIntake";
import { intakeDeadline } from "../storage/storageDeadline";

/**
 * Event Grid trigger for a subscription of endpoint type "Azure Function": the host does the
 * handshake and calls this once per event. Invalid events are quarantined and acknowledged; a
 * Storage failure (including Storage that does not answer within the intake deadline) or a bad setting is thrown
 * so that Event Grid retries the delivery.
 */
export function recordingEventsGrid(intake: Lazy<RecordingIntake>): EventGridHandler {
  return async (event: EventGridEvent | EventGridEvent[], context: InvocationContext): Promise<void> => {
    // The host calls once per event; a batch (cardinality many) is taken as it comes.
    await intake().receive(Array.isArray(event) ? event : [event], "eventGridTrigger", context, intakeDeadline());
  };
}

app.eventGrid("recordingEventsGrid", {
  handler: recordingEventsGrid(lazyService((services) => services.intake)),
});
