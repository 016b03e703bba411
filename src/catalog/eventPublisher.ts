import type * as EventGrid from "@azure/eventgrid";
import type * as Identity from "@azure/identity";
import type { ArchiveEventsConfig } from "../config/archiveEventsSettings";
import { describeError, EventPublishError } from "../errors";
import { inSpan } from "../telemetry/spans";
import { ARCHIVE_EVENT_SOURCE, type ArchiveEvent } from "./archiveEvents";

/** Where archiver events go. Throws EventPublishError when they could not be delivered. */
export interface ArchiveEventSink {
  readonly enabled: boolean;
  publish(events: readonly ArchiveEvent[]): Promise<void>;
}

/** No ARCHIVE_EVENTS_ENDPOINT: nothing is published. */
export const NO_EVENTS: ArchiveEventSink = { enabled: false, publish: () => Promise.resolve() };

const PUBLISH_TIMEOUT_MS = 30_000;

/**
 * Publishes with `@azure/eventgrid`'s EventGridPublisherClient: a key credential when
 * ARCHIVE_EVENTS_KEY is set, else DefaultAzureCredential (the app's managed identity, role
 * "EventGrid Data Sender"). The SDKs are loaded on first publish, not at cold start. http is
 * allowed only for a loopback endpoint (checked when the setting was parsed).
 */
export function eventSinkFor(config: ArchiveEventsConfig | undefined): ArchiveEventSink {
  if (!config) return NO_EVENTS;
  let send: ((events: readonly ArchiveEvent[], signal: AbortSignal) => Promise<void>) | undefined;
  const sender = (): ((events: readonly ArchiveEvent[], signal: AbortSignal) => Promise<void>) => {
    if (send) return send;
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- deferred load, see above: not at cold start
    const eventGrid = require("@azure/eventgrid") as typeof EventGrid;
    const credential = config.key
      ? new eventGrid.AzureKeyCredential(config.key)
      : // eslint-disable-next-line @typescript-eslint/no-require-imports -- deferred load, see above: not at cold start
        new (require("@azure/identity") as typeof Identity).DefaultAzureCredential();
    const options = {
      allowInsecureConnection: config.insecureLoopback,
      retryOptions: { maxRetries: 3, retryDelayInMs: 500, maxRetryDelayInMs: 8_000 },
    };
    if (config.schema === "CloudEvent") {
      const client = new eventGrid.EventGridPublisherClient(config.endpoint, "CloudEvent", credential, options);
      send = (events, abortSignal) =>
        client.send(
          events.map((event) => ({
            id: event.id,
            type: event.type,
            source: ARCHIVE_EVENT_SOURCE,
            subject: event.subject,
            time: new Date(event.time),
            datacontenttype: "application/json",
            data: event.data,
          })),
          { abortSignal },
        );
    } else {
      const client = new eventGrid.EventGridPublisherClient(config.endpoint, "EventGrid", credential, options);
      send = (events, abortSignal) =>
        client.send(
          events.map((event) => ({
            id: event.id,
            eventType: event.type,
            subject: event.subject,
            eventTime: new Date(event.time),
            dataVersion: "1.0",
            data: event.data,
          })),
          { abortSignal },
        );
    }
    return send;
  };
  return {
    enabled: true,
    async publish(events) {
      if (events.length === 0) return;
      const types = [...new Set(events.map((event) => event.type))].join(",");
      try {
        await inSpan(
          "EventGrid publish",
          { "archiver.events.count": events.length, "archiver.events.types": types },
          () => sender()(events, AbortSignal.timeout(PUBLISH_TIMEOUT_MS)),
        );
      } catch (error) {
        throw new EventPublishError(
          `Publishing ${events.length} event(s) (${types}) to the archive events topic failed: ${describeError(error)}`,
          {
            cause: error,
          },
        );
      }
    },
  };
}
