import { describe, expect, it } from "vitest";
import { InvalidDeliveryError, type DeliveryProblem } from "../../src/errors";
import { readWebhookDelivery } from "../../src/intake/webhookDelivery";

const JSON_TYPE = { "content-type": "application/json" };
const EVENT = { id: "e1", eventType: "Microsoft.Communication.RecordingFileStatusUpdated", subject: "s", data: {} };
const CLOUD_EVENT = {
  specversion: "1.0",
  id: "c1",
  type: "Microsoft.Communication.RecordingFileStatusUpdated",
  source: "/x",
  data: {},
};

function refusedWith(body: string, headers: Record<string, string> = JSON_TYPE): DeliveryProblem {
  try {
    readWebhookDelivery(body, new Headers(headers));
  } catch (error) {
    if (error instanceof InvalidDeliveryError) return error.code;
    throw error;
  }
  throw new Error("expected InvalidDeliveryError");
}

describe("readWebhookDelivery: what an HTTP delivery asks for", () => {
  it("an Event Grid schema array: its events", () => {
    expect(
      readWebhookDelivery(
        JSON.stringify([EVENT, EVENT]),
        new Headers({ ...JSON_TYPE, "aeg-event-type": "Notification" }),
      ),
    ).toEqual({
      kind: "events",
      events: [EVENT, EVENT],
      schema: "EventGrid",
    });
  });

  it("CloudEvents: one event (application/cloudevents+json), a batch, or an object with specversion", () => {
    expect(
      readWebhookDelivery(
        JSON.stringify(CLOUD_EVENT),
        new Headers({ "content-type": "application/cloudevents+json; charset=utf-8" }),
      ),
    ).toEqual({
      kind: "events",
      events: [CLOUD_EVENT],
      schema: "CloudEvents",
    });
    const batch = new Headers({ "content-type": "application/cloudevents-batch+json" });
    expect(readWebhookDelivery(JSON.stringify([CLOUD_EVENT]), batch)).toMatchObject({ schema: "CloudEvents" });
    expect(readWebhookDelivery(JSON.stringify([CLOUD_EVENT]), new Headers(JSON_TYPE))).toMatchObject({
      schema: "CloudEvents",
    });
  });

  it("a body without a Content-Type is read as JSON", () => {
    expect(readWebhookDelivery(JSON.stringify([EVENT]), new Headers()).kind).toBe("events");
  });

  it("the subscription validation handshake: its code", () => {
    const validation = [
      { id: "v", eventType: "Microsoft.EventGrid.SubscriptionValidationEvent", data: { validationCode: "512d38b6" } },
    ];
    expect(readWebhookDelivery(JSON.stringify(validation), new Headers(JSON_TYPE))).toEqual({
      kind: "validation",
      validationCode: "512d38b6",
    });
  });

  it("a validation event without a code is refused", () => {
    expect(
      refusedWith(JSON.stringify([{ eventType: "Microsoft.EventGrid.SubscriptionValidationEvent", data: {} }])),
    ).toBe("InvalidBody");
  });

  it("the subscription deletion notice, whatever the body", () => {
    expect(readWebhookDelivery("", new Headers({ "aeg-event-type": "SubscriptionDeletion" }))).toEqual({
      kind: "subscriptionDeleted",
    });
  });

  it.each<[string, string, Record<string, string>, DeliveryProblem]>([
    ["a form body", "a=b", { "content-type": "application/x-www-form-urlencoded" }, "UnsupportedMediaType"],
    ["XML", "<a/>", { "content-type": "application/xml" }, "UnsupportedMediaType"],
    ["text that is not JSON", "[{", JSON_TYPE, "InvalidJson"],
    ["a JSON string", '"event"', JSON_TYPE, "InvalidBody"],
    ["an empty array", "[]", JSON_TYPE, "InvalidBody"],
    ["an array as one CloudEvent", "[]", { "content-type": "application/cloudevents+json" }, "InvalidBody"],
    ["JSON nested 65 levels deep", `${"[".repeat(65)}${"]".repeat(65)}`, JSON_TYPE, "InvalidBody"],
  ])("refuses %s: %s", (_case, body, headers, code) => {
    expect(refusedWith(body, headers)).toBe(code);
  });

  it("accepts JSON nested 64 levels deep (the host's own reader's limit)", () => {
    expect(readWebhookDelivery(`${"[".repeat(64)}${"]".repeat(64)}`, new Headers(JSON_TYPE)).kind).toBe("events");
  });
});
