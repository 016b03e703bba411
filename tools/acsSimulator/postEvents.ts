import type { PostEventsOptions } from "./types";

/**
 * Delivers events to a webhook the way Event Grid does (reference section 4): always a JSON array; Event Grid
 * schema as `application/json` with `aeg-event-type: Notification`, CloudEvents as
 * `application/cloudevents-batch+json`. The schema defaults to what the first event looks like.
 */
export async function postEvents(
  url: string,
  events: object[],
  options: PostEventsOptions = {},
): Promise<{ status: number; body: string }> {
  const schema = options.schema ?? (events[0] && "specversion" in events[0] ? "cloudevents" : "eventgrid");
  const headers: Record<string, string> = {
    "Content-Type": schema === "cloudevents" ? "application/cloudevents-batch+json; charset=utf-8" : "application/json",
    "aeg-event-type": "Notification",
    "aeg-subscription-name": "ACS-SIMULATOR",
    "aeg-delivery-count": "0",
    "aeg-data-version": "1.0",
    "aeg-metadata-version": "1",
    ...options.headers,
  };
  const response = await fetch(url, { method: "POST", headers, body: JSON.stringify(events) });
  return { status: response.status, body: await response.text() };
}
