import { describe, expect, it } from "vitest";
import { InvalidDeliveryError, StorageUnavailableError, type DeliveryProblem } from "../../src/errors";
import { recordingEventsWebhook } from "../../src/functions/recordingEventsWebhook";
import type { IntakeReport, RecordingIntake } from "../../src/intake/recordingIntake";
import { callHttp, fakeService, functionRequest, loggedText, notConfigured } from "../support/handlerHarness";

const REPORT: IntakeReport = {
  received: 1,
  accepted: 1,
  ignored: 0,
  enqueued: 2,
  alreadyQueued: 0,
  skippedErased: 0,
  rejectedCount: 0,
  rejected: [],
};
const NOTIFICATION = { "content-type": "application/json", "aeg-event-type": "Notification" };
const EVENTS = [
  {
    id: "e1",
    eventType: "Microsoft.Communication.RecordingFileStatusUpdated",
    subject: "s",
    data: {},
    eventTime: "t",
    dataVersion: "1",
  },
];

interface IntakeCalls {
  readonly received: { events: readonly unknown[]; via: string }[];
  readonly quarantined: { body: string; code: string; via: string }[];
}

/** A fake intake: `receive` answers with `outcome` (a report, or a thrown error); `rejectDelivery` records what it keeps. */
function intakeOf(
  outcome: IntakeReport | Error,
  options: { quarantineFails?: boolean } = {},
): { lazy: () => RecordingIntake; calls: IntakeCalls } {
  const calls: IntakeCalls = { received: [], quarantined: [] };
  const intake = fakeService<RecordingIntake>({
    receive: (events, via) => {
      calls.received.push({ events, via });
      return outcome instanceof Error ? Promise.reject(outcome) : Promise.resolve(outcome);
    },
    rejectDelivery: (body, problem, via) => {
      calls.quarantined.push({ body, code: problem.code, via });
      return options.quarantineFails
        ? Promise.reject(new Error("quarantine down"))
        : Promise.resolve("archive-quarantine/x.json");
    },
  });
  return { lazy: () => intake, calls };
}

function post(body: string, headers: Record<string, string> = NOTIFICATION) {
  return functionRequest({ method: "POST", path: "recording-events", body, headers });
}

describe("recordingEventsWebhook: the Event Grid webhook", () => {
  it("200 with intake's report for a notification, the events handed over as received via the webhook", async () => {
    const { lazy, calls } = intakeOf(REPORT);
    const answer = await callHttp(recordingEventsWebhook(lazy), post(JSON.stringify(EVENTS)));
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual(REPORT);
    expect(calls.received).toEqual([{ events: EVENTS, via: "webhook" }]);
  });

  it("answers the subscription validation handshake without any setting", async () => {
    const validation = [
      { id: "v", eventType: "Microsoft.EventGrid.SubscriptionValidationEvent", data: { validationCode: "code-123" } },
    ];
    const answer = await callHttp(
      recordingEventsWebhook(notConfigured<RecordingIntake>()),
      post(JSON.stringify(validation), {
        "content-type": "application/json",
        "aeg-event-type": "SubscriptionValidation",
      }),
    );
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({ validationResponse: "code-123" });
  });

  it("200 without a body when Event Grid says the subscription was deleted, and warns", async () => {
    const { lazy, calls } = intakeOf(REPORT);
    const answer = await callHttp(recordingEventsWebhook(lazy), post("", { "aeg-event-type": "SubscriptionDeletion" }));
    expect(answer.status).toBe(200);
    expect(answer.text).toBe("");
    expect(calls.received).toEqual([]);
    expect(answer.logs.some((line) => line.level === "warning" && line.message.includes("deleted"))).toBe(true);
  });

  it("OPTIONS: the CloudEvents abuse-protection handshake allows the requesting origin, without any setting", async () => {
    const answer = await callHttp(
      recordingEventsWebhook(notConfigured<RecordingIntake>()),
      functionRequest({
        method: "OPTIONS",
        path: "recording-events",
        headers: { "WebHook-Request-Origin": "eventgrid.azure.net" },
      }),
    );
    expect(answer.status).toBe(200);
    expect(answer.headers.get("webhook-allowed-origin")).toBe("eventgrid.azure.net");
    expect(answer.headers.get("webhook-allowed-rate")).toBe("*");
    expect(answer.headers.get("allow")).toBe("POST, OPTIONS");
  });

  it("OPTIONS without WebHook-Request-Origin: 400 MissingOrigin", async () => {
    const answer = await callHttp(
      recordingEventsWebhook(intakeOf(REPORT).lazy),
      functionRequest({ method: "OPTIONS", path: "recording-events" }),
    );
    expect(answer.status).toBe(400);
    expect(answer.json).toEqual({
      error: {
        code: "MissingOrigin",
        message: "OPTIONS requests must carry a WebHook-Request-Origin header (CloudEvents abuse protection).",
      },
    });
  });

  it.each(["GET", "PUT", "PATCH", "DELETE"])("%s: 405 MethodNotAllowed with Allow", async (method) => {
    const answer = await callHttp(
      recordingEventsWebhook(intakeOf(REPORT).lazy),
      functionRequest({ method, path: "recording-events" }),
    );
    expect(answer.status).toBe(405);
    expect(answer.headers.get("allow")).toBe("POST, OPTIONS");
    expect(answer.json).toEqual({
      error: { code: "MethodNotAllowed", message: `${method} is not supported; Event Grid POSTs events here.` },
    });
  });

  it("413 BodyTooLarge for a declared Content-Length over 1 MiB: never read, so nothing is quarantined", async () => {
    const { lazy, calls } = intakeOf(REPORT);
    const request = functionRequest({
      method: "POST",
      path: "recording-events",
      body: "[]",
      headers: { ...NOTIFICATION, "content-length": String(1024 * 1024 + 1) },
    });
    const answer = await callHttp(recordingEventsWebhook(lazy), request);
    expect(answer.status).toBe(413);
    expect(answer.json).toEqual({
      error: {
        code: "BodyTooLarge",
        message: "The body is larger than 1048576 bytes, Event Grid's maximum delivery size.",
      },
    });
    expect(calls.quarantined).toEqual([]);
    expect(calls.received).toEqual([]);
  });

  it("415 UnsupportedMediaType for a body that is not JSON by its Content-Type; the body is quarantined", async () => {
    const { lazy, calls } = intakeOf(REPORT);
    const answer = await callHttp(
      recordingEventsWebhook(lazy),
      post("a=b", { "content-type": "application/x-www-form-urlencoded" }),
    );
    expect(answer.status).toBe(415);
    expect((answer.json as { error: { code: string } }).error.code).toBe("UnsupportedMediaType");
    expect(calls.quarantined).toEqual([{ body: "a=b", code: "UnsupportedMediaType", via: "webhook" }]);
  });

  it("400 InvalidJson for a body that does not parse; kept in quarantine as sent", async () => {
    const { lazy, calls } = intakeOf(REPORT);
    const answer = await callHttp(recordingEventsWebhook(lazy), post("[{"));
    expect(answer.status).toBe(400);
    expect((answer.json as { error: { code: string; message: string } }).error).toMatchObject({ code: "InvalidJson" });
    expect(calls.quarantined).toEqual([{ body: "[{", code: "InvalidJson", via: "webhook" }]);
  });

  it("400 InvalidBody for an empty array", async () => {
    const answer = await callHttp(recordingEventsWebhook(intakeOf(REPORT).lazy), post("[]"));
    expect(answer.status).toBe(400);
    expect(answer.json).toEqual({
      error: { code: "InvalidBody", message: "The body is an empty array: there are no events." },
    });
  });

  const DELIVERY_STATUS: readonly (readonly [DeliveryProblem, number])[] = [
    ["TooManyEvents", 413],
    ["TooManyRecordings", 413],
    ["TooManyChunks", 413],
    ["BodyTooLarge", 413],
    ["BodyTimeout", 408],
    ["UnsupportedMediaType", 415],
    ["InvalidJson", 400],
    ["InvalidBody", 400],
  ];
  it.each(DELIVERY_STATUS)(
    "intake's refusal %s answers %i with the bound's setting as target, after quarantining the body",
    async (code, status) => {
      const refusal = new InvalidDeliveryError(code, `refused: ${code}.`, { target: "INTAKE_MAX_EVENTS_PER_DELIVERY" });
      const { lazy, calls } = intakeOf(refusal);
      const body = JSON.stringify(EVENTS);
      const answer = await callHttp(recordingEventsWebhook(lazy), post(body));
      expect(answer.status).toBe(status);
      expect(answer.json).toEqual({
        error: { code, message: `refused: ${code}.`, target: "INTAKE_MAX_EVENTS_PER_DELIVERY" },
      });
      expect(calls.quarantined).toEqual([{ body, code, via: "webhook" }]);
    },
  );

  it("still answers the refusal when the quarantine write fails, and logs that it could not keep the body", async () => {
    const { lazy } = intakeOf(REPORT, { quarantineFails: true });
    const answer = await callHttp(recordingEventsWebhook(lazy), post("not json"));
    expect(answer.status).toBe(400);
    expect(loggedText(answer.logs)).toContain("could not be quarantined");
  });

  it("a refused body while a setting is bad: 503 ConfigurationError (Event Grid retries, the body is not lost)", async () => {
    const answer = await callHttp(
      recordingEventsWebhook(notConfigured<RecordingIntake>("AzureWebJobsStorage")),
      post("not json"),
    );
    expect(answer.status).toBe(503);
    expect(answer.headers.get("retry-after")).toBe("60");
    expect((answer.json as { error: { code: string; message: string } }).error.code).toBe("ConfigurationError");
    expect((answer.json as { error: { message: string } }).error.message).toContain("AzureWebJobsStorage");
  });

  it("a notification while a setting is bad: 503 ConfigurationError with Retry-After 60", async () => {
    const answer = await callHttp(
      recordingEventsWebhook(notConfigured<RecordingIntake>()),
      post(JSON.stringify(EVENTS)),
    );
    expect(answer.status).toBe(503);
    expect(answer.headers.get("retry-after")).toBe("60");
    expect((answer.json as { error: { code: string } }).error.code).toBe("ConfigurationError");
  });

  it("503 StorageUnavailable with Retry-After 10 when Storage fails; the cause stays in the log", async () => {
    const answer = await callHttp(
      recordingEventsWebhook(intakeOf(new StorageUnavailableError("The queue did not answer: ECONNRESET")).lazy),
      post(JSON.stringify(EVENTS)),
    );
    expect(answer.status).toBe(503);
    expect(answer.headers.get("retry-after")).toBe("10");
    expect(answer.json).toEqual({
      error: { code: "StorageUnavailable", message: "Storage is unavailable; retry later." },
    });
    expect(loggedText(answer.logs)).toContain("ECONNRESET");
  });

  it("500 InternalError for anything unexpected, without its message", async () => {
    const answer = await callHttp(
      recordingEventsWebhook(intakeOf(new TypeError("secret-ish detail")).lazy),
      post(JSON.stringify(EVENTS)),
    );
    expect(answer.status).toBe(500);
    expect(answer.json).toEqual({
      error: { code: "InternalError", message: "The delivery could not be processed; retry later." },
    });
    expect(answer.text).not.toContain("secret-ish");
    expect(answer.logs.filter((line) => line.level === "error")).toHaveLength(1);
  });
});
