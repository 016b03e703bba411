// Integration tier. Needs: Azurite, dist/, loopback servers.
import { BlobServiceClient } from "@azure/storage-blob";
import { QueueServiceClient } from "@azure/storage-queue";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { ChunkMessage } from "../../src/queue/chunkMessage";
import { AZURITE_KEY } from "../../tools/azurite";
import { findFunction, loadCompiledApp, type RegisteredFunction } from "../support/compiledApp";
import { errorBody, invokeHttp, webhookRequest, type HttpAnswer } from "../support/functionInvoke";
import {
  cloudEvent,
  eventGridEvent,
  gaChunk,
  gaData,
  otherAcsEvent,
  previewChunk,
  subscriptionValidationEvent,
  type Json,
} from "../support/recordingEvents";
import {
  blobNameFromKeptAt,
  closedStorageConnectionString,
  decodeAsQueueTrigger,
  drainQueue,
  listQuarantined,
  readQuarantined,
  type QuarantinedBlob,
} from "../support/storageProbe";
import {
  capturingContext,
  TEST_ACS_ACCESS_KEY,
  TEST_ACS_CONNECTION_STRING,
  TEST_ACS_RESOURCE,
  uniqueName,
  type CapturedLog,
} from "../support/testSettings";

const connectionString = inject("azuriteConnectionString");
const QUARANTINE = "rejected-events";
const MIB = 1024 * 1024;

const queueName = uniqueName("webhook-chunks");
const queue = QueueServiceClient.fromConnectionString(connectionString).getQueueClient(queueName);
const quarantine = BlobServiceClient.fromConnectionString(connectionString).getContainerClient(QUARANTINE);

/** Everything this file saw, for the secret checks. */
const seenLogs: CapturedLog[] = [];
const seenTexts: string[] = [];

function loadWebhook(settings: Record<string, string>): RegisteredFunction {
  return findFunction(loadCompiledApp(settings), "recordingEventsWebhook");
}

const webhook = loadWebhook({
  AzureWebJobsStorage: connectionString,
  ACS_CONNECTION_STRING: TEST_ACS_CONNECTION_STRING,
  CHUNK_QUEUE: queueName,
  ALLOWED_ACS_RESOURCES: TEST_ACS_RESOURCE,
});

interface Call {
  readonly answer: HttpAnswer;
  readonly logs: CapturedLog[];
  readonly startedAt: Date;
}

async function call(fn: RegisteredFunction, request: Parameters<typeof webhookRequest>[0]): Promise<Call> {
  const { context, logs } = capturingContext("recordingEventsWebhook");
  const startedAt = new Date();
  const answer = await invokeHttp(fn, webhookRequest(request), context);
  seenLogs.push(...logs);
  seenTexts.push(answer.text);
  return { answer, logs, startedAt };
}

const post = (
  body: unknown,
  headers: Record<string, string> = { "content-type": "application/json", "aeg-event-type": "Notification" },
): Promise<Call> => call(webhook, { body: typeof body === "string" ? body : JSON.stringify(body), headers });

async function queued(): Promise<ChunkMessage[]> {
  return (await drainQueue(queue)).map((text) => decodeAsQueueTrigger(text) as ChunkMessage);
}

/** Quarantine blobs written since `since` for a whole delivery whose body was exactly `body`. */
async function quarantinedDeliveries(body: string, since: Date): Promise<QuarantinedBlob[]> {
  const kept = await listQuarantined(quarantine, (name) => name.includes("no-event-id-"));
  const mine = kept.filter(
    (blob) => Date.parse(blob.json.rejectedAt) >= since.getTime() - 1000 && blob.json.input === body,
  );
  seenTexts.push(...mine.map((blob) => blob.text));
  return mine;
}

async function keptBlob(keptAt: string): Promise<QuarantinedBlob> {
  const blob = await readQuarantined(quarantine, blobNameFromKeptAt(quarantine, keptAt));
  seenTexts.push(blob.text);
  return blob;
}

interface Report {
  readonly received: number;
  readonly accepted: number;
  readonly ignored: number;
  readonly enqueued: number;
  readonly alreadyQueued: number;
  readonly rejected: readonly {
    readonly eventId?: string;
    readonly code: string;
    readonly message: string;
    readonly keptAt: string;
  }[];
}

const report = (answer: HttpAnswer): Report => answer.json as Report;

beforeAll(async () => {
  await queue.createIfNotExists();
});

afterAll(async () => {
  await queue.deleteIfExists();
});

describe("webhook handshakes", () => {
  it("answers the Event Grid validation handshake with 200 {validationResponse}", async () => {
    const code = `512d38b6-c7b8-40c8-89fe-${uniqueName("v").slice(-12)}`;
    const { answer, logs } = await post([subscriptionValidationEvent(code)], {
      "content-type": "application/json",
      "aeg-event-type": "SubscriptionValidation",
    });
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({ validationResponse: code });
    expect(answer.headers.get("content-type")).toMatch(/application\/json/);
    expect(logs.some((log) => log.level === "information" && /validation/i.test(log.message))).toBe(true);
    expect(await queued()).toEqual([]);
  });

  it("refuses a validation event without a validationCode (400)", async () => {
    const event = subscriptionValidationEvent("x");
    event["data"] = { validationUrl: "https://rp-westeurope.eventgrid.azure.net/validate" };
    const { answer } = await post([event], {
      "content-type": "application/json",
      "aeg-event-type": "SubscriptionValidation",
    });
    expect(answer.status).toBe(400);
    expect(errorBody(answer).code).toBe("InvalidBody");
  });

  it("acknowledges SubscriptionDeletion with 200 and enqueues nothing", async () => {
    const { answer, logs } = await post([eventGridEvent()], {
      "content-type": "application/json",
      "aeg-event-type": "SubscriptionDeletion",
    });
    expect(answer.status).toBe(200);
    expect(logs.some((log) => log.level === "warning" && /deleted/i.test(log.message))).toBe(true);
    expect(await queued()).toEqual([]);
  });

  it("answers the CloudEvents OPTIONS abuse-protection handshake, echoing WebHook-Request-Origin", async () => {
    const { answer } = await call(webhook, {
      method: "OPTIONS",
      headers: { "WebHook-Request-Origin": "eventgrid.azure.net", "WebHook-Request-Rate": "120" },
    });
    expect(answer.status).toBe(200);
    expect(answer.headers.get("webhook-allowed-origin")).toBe("eventgrid.azure.net");
    expect(answer.headers.get("webhook-allowed-rate")).toBeTruthy();
    expect(await queued()).toEqual([]);
  });

  it("refuses an OPTIONS request without WebHook-Request-Origin (400, JSON error)", async () => {
    const { answer } = await call(webhook, { method: "OPTIONS" });
    expect(answer.status).toBe(400);
    expect(errorBody(answer).code).toBe("MissingOrigin");
    expect(answer.headers.get("webhook-allowed-origin")).toBeNull();
  });
});

describe("webhook deliveries", () => {
  it("enqueues an Event Grid array (application/json), one message per chunk", async () => {
    const events = [eventGridEvent({ data: gaData([gaChunk(0), gaChunk(1)]) }), eventGridEvent()];
    const { answer } = await post(events);
    expect(answer.status).toBe(200);
    expect(report(answer)).toMatchObject({ received: 2, accepted: 2, ignored: 0, enqueued: 3, rejected: [] });
    const messages = await queued();
    expect(messages).toHaveLength(3);
    expect(new Set(messages.map((m) => m.eventId))).toEqual(new Set(events.map((e) => e["id"])));
    for (const message of messages) expect(message.resource).toBe(TEST_ACS_RESOURCE.toLowerCase());
  });

  it("enqueues a single CloudEvent (application/cloudevents+json)", async () => {
    const event = cloudEvent({
      data: gaData([gaChunk(0)], { recordingFormatType: "Mp3", recordingContentType: "Audio" }),
    });
    const { answer } = await post(event, { "content-type": "application/cloudevents+json; charset=utf-8" });
    expect(answer.status).toBe(200);
    expect(report(answer)).toMatchObject({ received: 1, accepted: 1, enqueued: 1 });
    const [message] = await queued();
    expect(message).toMatchObject({ eventId: event["id"], formatType: "Mp3", contentType: "Audio", index: 0 });
  });

  it("enqueues a CloudEvents batch (application/cloudevents-batch+json)", async () => {
    const events = [cloudEvent(), cloudEvent({ data: gaData([previewChunk(0), previewChunk(1)]) }), cloudEvent()];
    const { answer } = await post(events, { "content-type": "application/cloudevents-batch+json; charset=utf-8" });
    expect(answer.status).toBe(200);
    expect(report(answer)).toMatchObject({ received: 3, accepted: 3, enqueued: 4 });
    expect(await queued()).toHaveLength(4);
  });

  it("accepts a delivery without a content type (func start's local Event Grid URL)", async () => {
    const { answer } = await post([eventGridEvent()], { "aeg-event-type": "Notification" });
    expect(answer.status).toBe(200);
    expect(await queued()).toHaveLength(1);
  });

  it("enqueues every chunk of a large batch (400 events, 800 chunks), once, even when a busy Storage makes Event Grid retry", async () => {
    const events = Array.from({ length: 400 }, () => eventGridEvent({ data: gaData([gaChunk(0), gaChunk(1)]) }));
    const body = JSON.stringify(events);
    expect(Buffer.byteLength(body)).toBeLessThan(MIB);
    // On a loaded machine Azurite may not take 2,400 writes within the 20 s intake deadline: the answer is then 503 and
    // Event Grid retries; each retry sends only what no earlier attempt recorded as queued.
    let attempts = 0;
    let answer: HttpAnswer;
    do {
      attempts += 1;
      ({ answer } = await post(body));
      expect([200, 503], answer.text).toContain(answer.status);
    } while (answer.status === 503 && attempts < 5);
    expect(answer.status).toBe(200);
    const last = report(answer);
    expect(last).toMatchObject({ received: 400, accepted: 400, rejected: [] });
    expect(last.enqueued + last.alreadyQueued).toBe(800);
    if (attempts === 1) expect(last.enqueued).toBe(800);
    const messages = await queued();
    expect(new Set(messages.map((m) => m.chunkKey)).size).toBe(800);
    // Only a chunk sent when a deadline cut its queued record short can come twice: at most one per send slot (32).
    expect(messages.length).toBeLessThanOrEqual(800 + 32 * (attempts - 1));
    // Up to five attempts of up to 20 s each (intake's deadline) are Event Grid's protocol, not a slow test: the default
    // 60 s holds only two of them, and under CPU load a retry is the one that finishes.
  }, 150_000);

  it("sends no duplicate messages for a redelivered batch: the chunks an earlier attempt queued are not sent again", async () => {
    const body = JSON.stringify([eventGridEvent({ data: gaData([gaChunk(0), gaChunk(1)]) })]);
    expect(report((await post(body)).answer)).toMatchObject({ enqueued: 2, alreadyQueued: 0 });
    const again = await post(body);
    expect(again.answer.status).toBe(200);
    expect(report(again.answer)).toMatchObject({ enqueued: 0, alreadyQueued: 2 });
    const messages = await queued();
    expect(messages).toHaveLength(2);
    expect(new Set(messages.map((message) => message.chunkKey)).size).toBe(2);
  });

  it("answers 200 to a mixed batch: valid enqueued, invalid quarantined, other types ignored", async () => {
    const valid = eventGridEvent();
    const invalid = eventGridEvent({
      id: uniqueName("evt-mixed"),
      data: gaData([gaChunk(0, { contentLocation: "https://user@evil/" })]),
    });
    const { answer, logs } = await post([valid, otherAcsEvent(), invalid]);
    expect(answer.status).toBe(200);
    const r = report(answer);
    expect(r).toMatchObject({ received: 3, accepted: 1, ignored: 1, enqueued: 1 });
    expect(r.rejected).toHaveLength(1);
    expect((await queued()).map((m) => m.eventId)).toEqual([valid["id"]]);
    const blob = await keptBlob(r.rejected[0]?.keptAt ?? "");
    expect(blob.json.input).toEqual(invalid);
    expect(blob.json.reason.field).toBe("data.recordingStorageInfo.recordingChunks[0].contentLocation");
    expect(logs.some((log) => log.level === "error" && log.message.includes(String(invalid["id"])))).toBe(true);
  });
});

interface BadDelivery {
  readonly name: string;
  readonly method?: string;
  readonly body?: string;
  readonly headers: Record<string, string>;
  readonly status: number;
  readonly code: string;
  /** Whether the body itself is kept in the quarantine container. */
  readonly quarantined: boolean;
}

const JSON_HEADERS = { "content-type": "application/json", "aeg-event-type": "Notification" };
/** A valid batch, so that "nothing enqueued" proves the refusal and not an empty body. */
const validBatch = (): string => JSON.stringify([eventGridEvent(), eventGridEvent()]);
/** A valid batch of valid events just over 1 MiB. */
function oversizedBatch(): string {
  const events: Json[] = [];
  let size = 2;
  while (size <= MIB) {
    const event = eventGridEvent({ data: gaData([gaChunk(0)]) });
    events.push(event);
    size += JSON.stringify(event).length + 1;
  }
  return JSON.stringify(events);
}

const BAD_DELIVERIES: readonly BadDelivery[] = [
  {
    name: "malformed JSON",
    body: `[{"id": "${uniqueName("m")}", "eventType": `,
    headers: JSON_HEADERS,
    status: 400,
    code: "InvalidJson",
    quarantined: true,
  },
  {
    name: "not JSON at all",
    body: `<xml>${uniqueName("m")}</xml>`,
    headers: JSON_HEADERS,
    status: 400,
    code: "InvalidJson",
    quarantined: true,
  },
  { name: "a JSON number", body: "42", headers: JSON_HEADERS, status: 400, code: "InvalidBody", quarantined: true },
  {
    name: "a JSON string",
    body: JSON.stringify(uniqueName("str")),
    headers: JSON_HEADERS,
    status: 400,
    code: "InvalidBody",
    quarantined: true,
  },
  { name: "JSON null", body: "null", headers: JSON_HEADERS, status: 400, code: "InvalidBody", quarantined: true },
  { name: "an empty array", body: "[]", headers: JSON_HEADERS, status: 400, code: "InvalidBody", quarantined: true },
  { name: "an empty body", body: "", headers: JSON_HEADERS, status: 400, code: "InvalidJson", quarantined: true },
  {
    name: "nested 5,000 levels deep (kept as text, not a 503 loop)",
    body: `${"[".repeat(5_000)}${"]".repeat(5_000)}`,
    headers: JSON_HEADERS,
    status: 400,
    code: "InvalidBody",
    quarantined: true,
  },
  {
    name: "an array under application/cloudevents+json",
    body: JSON.stringify([cloudEvent()]),
    headers: { "content-type": "application/cloudevents+json" },
    status: 400,
    code: "InvalidBody",
    quarantined: true,
  },
  {
    name: "text/plain",
    body: validBatch(),
    headers: { "content-type": "text/plain" },
    status: 415,
    code: "UnsupportedMediaType",
    quarantined: true,
  },
  {
    name: "application/xml",
    body: validBatch(),
    headers: { "content-type": "application/xml" },
    status: 415,
    code: "UnsupportedMediaType",
    quarantined: true,
  },
  {
    name: "form-encoded",
    body: validBatch(),
    headers: { "content-type": "application/x-www-form-urlencoded" },
    status: 415,
    code: "UnsupportedMediaType",
    quarantined: true,
  },
  {
    name: "over 1 MiB, declared in Content-Length",
    body: oversizedBatch(),
    headers: { ...JSON_HEADERS, "content-length": String(MIB + 1) },
    status: 413,
    code: "BodyTooLarge",
    quarantined: false,
  },
  {
    name: "over 1 MiB, no Content-Length (chunked)",
    body: oversizedBatch(),
    headers: JSON_HEADERS,
    status: 413,
    code: "BodyTooLarge",
    quarantined: false,
  },
  { name: "GET", method: "GET", headers: {}, status: 405, code: "MethodNotAllowed", quarantined: false },
  {
    name: "PUT with a valid batch",
    method: "PUT",
    body: validBatch(),
    headers: JSON_HEADERS,
    status: 405,
    code: "MethodNotAllowed",
    quarantined: false,
  },
  {
    name: "PATCH with a valid batch",
    method: "PATCH",
    body: validBatch(),
    headers: JSON_HEADERS,
    status: 405,
    code: "MethodNotAllowed",
    quarantined: false,
  },
  { name: "DELETE", method: "DELETE", headers: {}, status: 405, code: "MethodNotAllowed", quarantined: false },
];

describe("webhook: bad deliveries get a clear JSON error and nothing is enqueued", () => {
  it.each(BAD_DELIVERIES.map((bad) => [bad.name, bad] as const))("%s", async (_name, bad) => {
    const { answer, startedAt } = await call(webhook, {
      method: bad.method ?? "POST",
      headers: bad.headers,
      ...(bad.body !== undefined ? { body: bad.body } : {}),
    });
    expect(answer.status).toBe(bad.status);
    const error = errorBody(answer);
    expect(error.code).toBe(bad.code);
    expect(answer.headers.get("content-type")).toMatch(/application\/json/);
    if (bad.status === 405) expect(answer.headers.get("allow")).toMatch(/POST/);
    expect(await queued()).toEqual([]);
    if (bad.body !== undefined && bad.method === undefined) {
      const kept = await quarantinedDeliveries(bad.body, startedAt);
      expect(kept).toHaveLength(bad.quarantined ? 1 : 0);
      if (bad.quarantined) {
        expect(kept[0]?.json.reason.code).toBe(bad.code);
        expect(kept[0]?.json.receivedVia).toBe("webhook");
      }
    }
  });
});

interface BadEvent {
  readonly name: string;
  readonly event: (id: string) => Json;
  readonly field: string;
}

const C0 = "data.recordingStorageInfo.recordingChunks[0]";
const chunkWith = (overrides: Json) => (id: string) => eventGridEvent({ id, data: gaData([gaChunk(0, overrides)]) });

const BAD_EVENTS: readonly BadEvent[] = [
  {
    name: "another host",
    event: chunkWith({ contentLocation: "https://evil.example.com/v1/objects/x" }),
    field: `${C0}.contentLocation`,
  },
  {
    name: "http",
    event: chunkWith({ metadataLocation: "http://storage.asm.skype.com/v1/objects/x/content/acsmetadata" }),
    field: `${C0}.metadataLocation`,
  },
  {
    name: "userinfo https://user@evil/",
    event: chunkWith({ contentLocation: "https://user@evil/" }),
    field: `${C0}.contentLocation`,
  },
  {
    name: "allowed host as userinfo",
    event: chunkWith({ metadataLocation: "https://storage.asm.skype.com@evil.com/" }),
    field: `${C0}.metadataLocation`,
  },
  {
    name: "a non-default port",
    event: chunkWith({ contentLocation: "https://storage.asm.skype.com:8443/v1/objects/x" }),
    field: `${C0}.contentLocation`,
  },
  {
    name: "an IPv4 literal",
    event: chunkWith({ contentLocation: "https://169.254.169.254/metadata" }),
    field: `${C0}.contentLocation`,
  },
  { name: "an IPv6 literal", event: chunkWith({ contentLocation: "https://[::1]/x" }), field: `${C0}.contentLocation` },
  { name: "a decimal IP", event: chunkWith({ contentLocation: "http://2130706433/" }), field: `${C0}.contentLocation` },
  {
    name: "path traversal in documentId",
    event: chunkWith({ documentId: "../../recordings/victim" }),
    field: `${C0}.documentId`,
  },
  { name: "index -1", event: chunkWith({ index: -1 }), field: `${C0}.index` },
  { name: 'index "int"', event: chunkWith({ index: "int" }), field: `${C0}.index` },
  {
    name: "missing chunks",
    event: (id) => eventGridEvent({ id, data: gaData([]) }),
    field: "data.recordingStorageInfo.recordingChunks",
  },
  { name: "bad eventTime", event: (id) => eventGridEvent({ id, time: "2021-02-30T00:00:00Z" }), field: "eventTime" },
  {
    name: "eventTime in year 9999",
    event: (id) => eventGridEvent({ id, time: "9999-01-01T00:00:00Z" }),
    field: "eventTime",
  },
  {
    name: "CloudEvents time two hours ahead",
    event: (id) => cloudEvent({ id, time: new Date(Date.now() + 7_200_000).toISOString() }),
    field: "time",
  },
  {
    name: "contentLocation naming another document",
    event: chunkWith({
      contentLocation: "https://storage.asm.skype.com/v1/objects/0-eus-d12-someone-elses/content/video",
    }),
    field: `${C0}.contentLocation`,
  },
  {
    name: "metadataLocation of the 2021 preview API shape naming another document",
    event: chunkWith({
      metadataLocation:
        "https://contoso-test.communication.azure.com/recording/download/0-eus-d12-someone-elses/metadata",
    }),
    field: `${C0}.metadataLocation`,
  },
  {
    name: "unknown topic",
    event: (id) => eventGridEvent({ id, source: TEST_ACS_RESOURCE.replace("contoso-acs", "mallory-acs") }),
    field: "topic",
  },
  {
    name: "unknown CloudEvents source",
    event: (id) => cloudEvent({ id, source: "/subscriptions/{subscription-id}" }),
    field: "source",
  },
];

describe("webhook: each invalid event is answered 200, quarantined with its reason, and not enqueued", () => {
  it.each(BAD_EVENTS.map((bad) => [bad.name, bad] as const))("%s", async (_name, bad) => {
    const id = uniqueName("evt-bad");
    const event = bad.event(id);
    const { answer, logs } = await post([event]);
    expect(answer.status).toBe(200);
    const r = report(answer);
    expect(r).toMatchObject({ received: 1, accepted: 0, enqueued: 0 });
    expect(r.rejected).toHaveLength(1);
    expect(r.rejected[0]?.eventId).toBe(id);
    expect(await queued()).toEqual([]);
    const blob = await keptBlob(r.rejected[0]?.keptAt ?? "");
    expect(blob.name).toContain(id);
    expect(blob.json.reason).toMatchObject({ code: "InvalidEvent", field: bad.field });
    expect(blob.json.input).toEqual(event);
    expect(logs.filter((log) => log.level === "error" && log.message.includes(id))).toHaveLength(1);
  });
});

describe("webhook: an odd but safe event is archived, not quarantined", () => {
  it.each([
    [
      "a deleteLocation naming another document",
      { deleteLocation: "https://us-storage.asm.skype.com/v1/objects/0-eus-d12-someone-elses" },
      "deleteLocationNamesOtherDocument",
    ],
    [
      "a deleteLocation on a host that may not be called",
      { deleteLocation: "https://storage.asm.skype.com@evil.com/" },
      "deleteLocationNotAllowed",
    ],
    ['index "0" (a decimal string)', { index: "0" }, "indexAsText"],
  ] as const)(
    "%s: answered 200, queued without what was unsafe, the anomaly on the chunk, one warning",
    async (_name, overrides, anomaly) => {
      const id = uniqueName("evt-odd");
      const { answer, logs } = await post([chunkWith(overrides)(id)]);
      expect(answer.status).toBe(200);
      expect(report(answer)).toMatchObject({ received: 1, accepted: 1, enqueued: 1, rejectedCount: 0 });
      const [message] = await queued();
      expect(message?.anomalies).toEqual([anomaly]);
      if (anomaly.startsWith("deleteLocation")) expect(message).not.toHaveProperty("deleteLocation");
      expect(
        logs.filter((log) => log.level === "warning" && log.message.includes(anomaly) && log.message.includes(id)),
      ).toHaveLength(1);
    },
  );
});

describe("webhook: storage down", () => {
  let down: RegisteredFunction;
  beforeAll(async () => {
    down = loadWebhook({
      AzureWebJobsStorage: await closedStorageConnectionString(),
      ACS_CONNECTION_STRING: TEST_ACS_CONNECTION_STRING,
      CHUNK_QUEUE: queueName,
      ALLOWED_ACS_RESOURCES: TEST_ACS_RESOURCE,
    });
  });

  it("answers 503 with Retry-After when the chunk queue cannot be reached", async () => {
    const { answer, logs } = await call(down, { body: JSON.stringify([eventGridEvent()]), headers: JSON_HEADERS });
    expect(answer.status).toBe(503);
    expect(errorBody(answer).code).toBe("StorageUnavailable");
    expect(Number(answer.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(logs.some((log) => log.level === "error" && /storage unavailable/i.test(log.message))).toBe(true);
    expect(answer.text).not.toContain(AZURITE_KEY);
    for (const log of logs) expect(log.message).not.toContain(AZURITE_KEY);
  });

  it("answers 503 when an invalid event cannot be quarantined (so Event Grid retries, nothing lost)", async () => {
    const { answer } = await call(down, {
      body: JSON.stringify([eventGridEvent({ data: gaData([]) })]),
      headers: JSON_HEADERS,
    });
    expect(answer.status).toBe(503);
  });

  it("still answers the validation handshake and refuses bad bodies with 400", async () => {
    const handshake = await call(down, {
      body: JSON.stringify([subscriptionValidationEvent("abc")]),
      headers: { "content-type": "application/json", "aeg-event-type": "SubscriptionValidation" },
    });
    expect(handshake.answer.status).toBe(200);
    const bad = await call(down, { body: "{nope", headers: JSON_HEADERS });
    expect(bad.answer.status).toBe(400);
    expect(bad.logs.some((log) => log.level === "error" && /could not be quarantined/i.test(log.message))).toBe(true);
  });
});

describe("webhook: secrets", () => {
  it("never puts the ACS access key into a log line, an answer or a quarantine blob", async () => {
    // Every kind of answer again, to be sure this test has something to look at.
    await post([
      eventGridEvent(),
      eventGridEvent({ data: gaData([gaChunk(0, { contentLocation: "https://evil.example.com/x" })]) }),
      otherAcsEvent(),
    ]);
    await post("{broken");
    await queued();
    expect(TEST_ACS_ACCESS_KEY.length).toBeGreaterThan(20);
    expect(seenLogs.length).toBeGreaterThan(10);
    expect(seenTexts.length).toBeGreaterThan(10);
    const mine = await listQuarantined(quarantine, (name) => seenTexts.some((text) => text.includes(name)));
    for (const text of [...seenLogs.map((log) => log.message), ...seenTexts, ...mine.map((blob) => blob.text)]) {
      expect(text).not.toContain(TEST_ACS_ACCESS_KEY);
      expect(text).not.toContain(AZURITE_KEY);
    }
  });
});
