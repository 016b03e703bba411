import { InvalidDeliveryError } from "../errors";
import { SUBSCRIPTION_VALIDATION_EVENT } from "../events/eventEnvelope";
import { isRecord } from "../shared/untrustedJson";

/**
 * Deepest JSON nesting a delivery may have (an event needs about 6; the Functions host's own JSON reader
 * stops at 64). Deeper values could not even be written back out as JSON (quarantine records are JSON).
 */
const MAX_JSON_DEPTH = 64;

/** What an HTTP delivery to the webhook asks for, decided before any event is processed. */
export type WebhookDelivery =
  | { readonly kind: "validation"; readonly validationCode: string }
  | { readonly kind: "subscriptionDeleted" }
  | { readonly kind: "events"; readonly events: readonly unknown[]; readonly schema: "EventGrid" | "CloudEvents" };

/**
 * Reads a POSTed body (already read within its size bound: see deliveryBody.ts): Event Grid schema (JSON array, `aeg-event-type` header), CloudEvents 1.0
 * (`application/cloudevents+json` single event or `application/cloudevents-batch+json` array).
 * Throws InvalidDeliveryError when the body is not usable at all.
 */
export function readWebhookDelivery(body: string, headers: { get(name: string): string | null }): WebhookDelivery {
  const eventType = headers.get("aeg-event-type")?.trim().toLowerCase();
  if (eventType === "subscriptiondeletion") return { kind: "subscriptionDeleted" };
  const contentType = (headers.get("content-type") ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  if (contentType !== "" && !/^(application|text)\/([a-z0-9.-]+\+)?json$/.test(contentType)) {
    throw new InvalidDeliveryError(
      "UnsupportedMediaType",
      `Content-Type ${contentType} is not JSON (expected application/json or application/cloudevents[-batch]+json).`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (error) {
    throw new InvalidDeliveryError("InvalidJson", `The body is not valid JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (nestsDeeperThan(parsed, MAX_JSON_DEPTH)) {
    throw new InvalidDeliveryError(
      "InvalidBody",
      `The body nests deeper than ${MAX_JSON_DEPTH} levels; no event does.`,
    );
  }
  const cloudEvents = contentType.startsWith("application/cloudevents");
  if (contentType === "application/cloudevents+json" && !isRecord(parsed)) {
    throw new InvalidDeliveryError("InvalidBody", "An application/cloudevents+json body must be one event object.");
  }
  const events: readonly unknown[] | undefined = Array.isArray(parsed)
    ? parsed
    : isRecord(parsed)
      ? [parsed]
      : undefined;
  if (!events) throw new InvalidDeliveryError("InvalidBody", "The body must be an event object or an array of events.");
  if (events.length === 0)
    throw new InvalidDeliveryError("InvalidBody", "The body is an empty array: there are no events.");

  const first = events[0];
  if (isRecord(first) && first["eventType"] === SUBSCRIPTION_VALIDATION_EVENT) {
    const code = isRecord(first["data"]) ? first["data"]["validationCode"] : undefined;
    if (typeof code !== "string" || code.length === 0) {
      throw new InvalidDeliveryError("InvalidBody", "The SubscriptionValidationEvent has no data.validationCode.");
    }
    return { kind: "validation", validationCode: code };
  }
  return {
    kind: "events",
    events,
    schema: cloudEvents || (isRecord(first) && "specversion" in first) ? "CloudEvents" : "EventGrid",
  };
}

/** Whether `value` nests arrays/objects deeper than `limit` (iterative: no recursion on hostile input). */
function nestsDeeperThan(value: unknown, limit: number): boolean {
  const pending: { readonly value: unknown; readonly depth: number }[] = [{ value, depth: 0 }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    if (typeof next.value !== "object" || next.value === null) continue;
    if (next.depth >= limit) return true;
    for (const child of Object.values(next.value)) pending.push({ value: child, depth: next.depth + 1 });
  }
  return false;
}
