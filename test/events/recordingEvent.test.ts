import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/appConfig";
import { encodeChunkMessage, MAX_ENCODED_MESSAGE_BYTES, type ChunkMessage } from "../../src/queue/chunkMessage";
import { readEnvelope, RECORDING_FILE_STATUS_UPDATED } from "../../src/events/eventEnvelope";
import { chunkMessagesFromEvent, type RecordingEventPolicy } from "../../src/events/recordingEvent";
import { InvalidEventError } from "../../src/errors";
import {
  cloudEvent,
  DEFAULT_EVENT_TIME,
  eventGridEvent,
  gaChunk,
  gaData,
  previewChunk,
  type EventInit,
  type Json,
} from "../support/recordingEvents";
import { TEST_ACS_CONNECTION_STRING, TEST_ACS_RESOURCE } from "../support/testSettings";

const HOUR = 3_600_000;
const RESOURCE = TEST_ACS_RESOURCE.toLowerCase();

/** The fixtures' expected deadlines were written for a 48-hour window (the 2021 preview API documentation); the default is 24. */
function policyFor(settings: Record<string, string> = {}): RecordingEventPolicy {
  return parseConfig({
    AzureWebJobsStorage: "UseDevelopmentStorage=true",
    ACS_CONNECTION_STRING: TEST_ACS_CONNECTION_STRING,
    RETENTION_HOURS: "48",
    ...settings,
  });
}

/** ALLOWED_ACS_RESOURCES set to the test resource. */
const strict = policyFor({ ALLOWED_ACS_RESOURCES: TEST_ACS_RESOURCE });
/** ALLOWED_ACS_RESOURCES unset: any topic. */
const open = policyFor();

function parse(raw: unknown, policy: RecordingEventPolicy = strict): ChunkMessage[] {
  const envelope = readEnvelope(raw);
  if (!envelope) throw new Error("readEnvelope did not recognise an event object");
  return chunkMessagesFromEvent(envelope, policy);
}

function rejection(raw: unknown, policy: RecordingEventPolicy = strict): InvalidEventError {
  try {
    parse(raw, policy);
  } catch (error) {
    if (error instanceof InvalidEventError) return error;
    throw new Error(`expected InvalidEventError, got ${String(error)}`, { cause: error });
  }
  throw new Error("the event was accepted");
}

function only<T>(items: readonly T[]): T {
  expect(items).toHaveLength(1);
  return items[0] as T;
}

describe("valid events: today's (GA) shape", () => {
  const documentId = "0-eus-d12-801b3f3fc462fe8a01e6810cbff729b8";
  const chunk = gaChunk(0, { documentId });
  const init: EventInit = {
    id: "evt-ga-1",
    subject: "/recording/call/call-1/serverCallId/c2VydmVy/recordingId/rec-1",
    data: gaData([chunk]),
  };

  it("turns an Event Grid event into one complete chunk message", () => {
    expect(parse(eventGridEvent(init))).toEqual([
      {
        version: 1,
        chunkKey: `${RESOURCE}|${documentId}|0`,
        resource: RESOURCE,
        documentId,
        index: 0,
        endReason: "SessionEnded",
        contentLocation: `https://storage.asm.skype.com/v1/objects/${documentId}/content/video`,
        metadataLocation: `https://storage.asm.skype.com/v1/objects/${documentId}/content/acsmetadata`,
        deleteLocation: `https://us-storage.asm.skype.com/v1/objects/${documentId}`,
        eventId: "evt-ga-1",
        eventTime: "2024-05-06T07:10:11.219Z",
        deadline: "2024-05-08T07:10:11.219Z",
        callId: "call-1",
        serverCallId: "c2VydmVy",
        recordingId: "rec-1",
        chunkCount: 1,
        recordingStartTime: "2024-05-06T07:08:09.123Z",
        recordingDurationMs: 6620,
        sessionEndReason: "CallEnded",
        contentType: "AudioVideo",
        channelType: "Mixed",
        formatType: "Mp4",
      },
    ]);
  });

  it("reads the same event in CloudEvents 1.0 schema identically", () => {
    expect(readEnvelope(cloudEvent(init))?.schema).toBe("CloudEvents");
    expect(readEnvelope(eventGridEvent(init))?.schema).toBe("EventGrid");
    expect(parse(cloudEvent(init))).toEqual(parse(eventGridEvent(init)));
  });

  it("carries audio-only, unmixed recordings' types through", () => {
    const message = only(
      parse(
        eventGridEvent({
          data: gaData([gaChunk()], {
            recordingContentType: "Audio",
            recordingChannelType: "Unmixed",
            recordingFormatType: "Wav",
          }),
        }),
      ),
    );
    expect(message).toMatchObject({ contentType: "Audio", channelType: "Unmixed", formatType: "Wav" });
  });

  it("fans out a multi-chunk recording in event order, with chunkCount and a distinct chunkKey each", () => {
    const chunks = [
      gaChunk(2),
      gaChunk(0, { endReason: "ChunkMaximumSizeExceeded" }),
      gaChunk(1, { endReason: "ChunkMaximumSizeExceeded" }),
    ];
    const messages = parse(cloudEvent({ data: gaData(chunks) }));
    expect(messages.map((m) => m.index)).toEqual([2, 0, 1]);
    expect(messages.map((m) => m.documentId)).toEqual(chunks.map((c) => c["documentId"]));
    expect(messages.map((m) => m.endReason)).toEqual([
      "SessionEnded",
      "ChunkMaximumSizeExceeded",
      "ChunkMaximumSizeExceeded",
    ]);
    expect(new Set(messages.map((m) => m.chunkKey)).size).toBe(3);
    for (const message of messages) {
      expect(message.chunkCount).toBe(3);
      expect(message.chunkKey).toBe(`${message.resource}|${message.documentId}|${message.index}`);
    }
  });

  it("accepts null for optional fields and leaves them out of the message", () => {
    const message = only(
      parse(
        eventGridEvent({
          data: gaData([gaChunk(0, { endReason: null, deleteLocation: null })], {
            recordingContentType: null,
            sessionEndReason: null,
          }),
        }),
      ),
    );
    expect(message).not.toHaveProperty("endReason");
    expect(message).not.toHaveProperty("deleteLocation");
    expect(message).not.toHaveProperty("contentType");
    expect(message).not.toHaveProperty("sessionEndReason");
    expect(message.contentLocation).toMatch(/^https:\/\/storage\.asm\.skype\.com\//);
  });

  it("accepts events without the optional recording fields", () => {
    const message = only(
      parse(eventGridEvent({ subject: undefined, data: { recordingStorageInfo: { recordingChunks: [gaChunk(0)] } } })),
    );
    for (const field of [
      "callId",
      "serverCallId",
      "recordingId",
      "recordingStartTime",
      "recordingDurationMs",
      "sessionEndReason",
      "contentType",
      "channelType",
      "formatType",
      "storageType",
    ]) {
      expect(message).not.toHaveProperty(field);
    }
  });

  it("matches ALLOWED_ACS_RESOURCES case-insensitively and stores the lower-cased resource", () => {
    const message = only(parse(eventGridEvent({ source: `${TEST_ACS_RESOURCE.toUpperCase()}/` })));
    expect(message.resource).toBe(RESOURCE);
    expect(message.chunkKey.startsWith(`${RESOURCE}|`)).toBe(true);
  });

  it("without ALLOWED_ACS_RESOURCES, accepts the topic of any ACS resource (any case, the published placeholders too), lower-cased", () => {
    const other =
      "/subscriptions/9b2f0c1d-0000-4000-8000-000000000001/resourceGroups/Kontakt_Zentrale.(prod)/providers/Microsoft.Communication/communicationServices/other-acs";
    expect(only(parse(eventGridEvent({ source: other }), open)).resource).toBe(other.toLowerCase());
    expect(only(parse(cloudEvent({ source: other.toUpperCase() }), open)).resource).toBe(other.toLowerCase());
    const unicodeGroup = other.replace("Kontakt_Zentrale.(prod)", "Aufnahmen-Zürich");
    expect(only(parse(eventGridEvent({ source: unicodeGroup }), open)).resource).toBe(unicodeGroup.toLowerCase());
    for (const placeholder of [
      "/subscriptions/{subscription-id}/resourcegroups/{group-name}/providers/microsoft.communication/communicationservices/{communication-services-resource-name}",
      "/subscriptions/{subscription-id}/resourcegroups/}{group-name}/providers/microsoft.communication/communicationservices/{communication-services-resource-name}",
    ]) {
      expect(only(parse(eventGridEvent({ source: placeholder }), open)).resource).toBe(placeholder);
    }
  });
});

describe("topic / source: the ACS resource id shape, even without ALLOWED_ACS_RESOURCES", () => {
  it.each([
    ["missing (the SDKs' test events)", undefined],
    ["empty", ""],
    ["only a subscription (the Go SDK's CloudEvent)", "/subscriptions/{subscription-id}"],
    ["another provider", "/subscriptions/x/resourceGroups/y/providers/Other/things/z"],
    ["a child path", `${TEST_ACS_RESOURCE}/child`],
    [
      "a line break (a forged log line)",
      `${TEST_ACS_RESOURCE.replace("contoso-acs", "x")}\n2026-12-02 [Information] archived chunk fake`,
    ],
    ["a bidi override (U+202E)", TEST_ACS_RESOURCE.replace("contoso-acs", "contoso\u202eeca")],
    ["a zero-width space", TEST_ACS_RESOURCE.replace("contoso-acs", "contoso\u200b-acs")],
    ["a space", TEST_ACS_RESOURCE.replace("recordings-rg", "recordings rg")],
    ["a name over 64 characters", TEST_ACS_RESOURCE.replace("contoso-acs", "a".repeat(65))],
  ])("refuses a topic that is %s", (_what, source) => {
    for (const [event, field] of [
      [eventGridEvent({ source }), "topic"],
      [cloudEvent({ source }), "source"],
    ] as const) {
      const error = rejection(event, open);
      expect(error.field).toBe(field);
      expect(error.message).not.toMatch(/[\n\u202e\u200b]/);
    }
  });
});

describe("valid events: the 2021 preview shape (seeds)", () => {
  it("accepts chunks with only documentId, index and endReason, and carries no URLs", () => {
    const chunk = previewChunk(0);
    const event = eventGridEvent({
      subject: "/recording/call/43563209-4ec6-4119-be5b-88398cda2caf",
      data: {
        recordingStorageInfo: { recordingChunks: [chunk] },
        recordingStartTime: "2021-03-24T18:52:14.1321393Z",
        recordingDurationMs: 15000,
        sessionEndReason: "CallEnded",
      },
    });
    const message = only(parse(event));
    expect(message).toMatchObject({
      documentId: chunk["documentId"],
      index: 0,
      endReason: "SessionEnded",
      callId: "43563209-4ec6-4119-be5b-88398cda2caf",
      recordingDurationMs: 15000,
    });
    for (const field of [
      "contentLocation",
      "metadataLocation",
      "deleteLocation",
      "serverCallId",
      "recordingId",
      "contentType",
      "channelType",
      "formatType",
    ]) {
      expect(message).not.toHaveProperty(field);
    }
  });

  it("accepts preview chunks in CloudEvents schema too", () => {
    const message = only(parse(cloudEvent({ data: { recordingStorageInfo: { recordingChunks: [previewChunk(0)] } } })));
    expect(message.contentLocation).toBeUndefined();
    expect(message.chunkCount).toBe(1);
  });
});

describe("valid events: bring-your-own-storage", () => {
  it("carries storageType and takes recordingId from data, over the subject's", () => {
    const message = only(
      parse(
        eventGridEvent({
          subject: "/recording/call/c1/serverCallId/aHR0cHM6Ly9leGFtcGxl/recordingId/from-subject",
          data: gaData([gaChunk()], { storageType: "blobstorage", recordingId: "eyJQbGF0Zm9ybUVuZHBvaW50SWQiOiJ4In0" }),
        }),
      ),
    );
    expect(message).toMatchObject({
      storageType: "blobstorage",
      recordingId: "eyJQbGF0Zm9ybUVuZHBvaW50SWQiOiJ4In0",
      callId: "c1",
      serverCallId: "aHR0cHM6Ly9leGFtcGxl",
    });
  });

  it("takes recordingId from data when the subject has none (BYOS subject shape)", () => {
    const message = only(
      parse(
        eventGridEvent({
          subject: "/recording/call/c1/serverCallId/s1",
          data: gaData([gaChunk()], { storageType: "acsstorage", recordingId: "r-data" }),
        }),
      ),
    );
    expect(message).toMatchObject({
      callId: "c1",
      serverCallId: "s1",
      recordingId: "r-data",
      storageType: "acsstorage",
    });
  });
});

describe("the deadline is eventTime + RETENTION_HOURS", () => {
  it.each([
    [undefined, 24],
    ["48", 48],
    ["1.5", 1.5],
    ["8760", 8760],
  ])("RETENTION_HOURS=%s", (retention, hours) => {
    const policy = policyFor({ RETENTION_HOURS: retention ?? "" }); // blank: the default
    const message = only(parse(eventGridEvent(), policy));
    expect(Date.parse(message.deadline) - Date.parse(DEFAULT_EVENT_TIME)).toBe(Math.round(hours * HOUR));
    expect(message.eventTime).toBe(new Date(DEFAULT_EVENT_TIME).toISOString());
  });

  it("normalizes offsets and missing zones to UTC", () => {
    expect(only(parse(eventGridEvent({ time: "2024-05-06T09:10:11+02:00" }))).deadline).toBe(
      "2024-05-08T07:10:11.000Z",
    );
    expect(only(parse(eventGridEvent({ time: "2024-05-06T07:10:11" }))).eventTime).toBe("2024-05-06T07:10:11.000Z");
  });

  it("does not depend on the clock (an old event keeps its old deadline)", () => {
    expect(only(parse(eventGridEvent({ time: "2017-08-16T03:54:38.2696833Z" }))).deadline).toBe(
      "2017-08-18T03:54:38.269Z",
    );
  });
});

describe("message size", () => {
  const LIMIT = 64 * 1024;

  function longUrl(host: string, documentId: string, suffix: string): string {
    const base = `https://${host}/v1/objects/${documentId}${suffix}?pad=`;
    return base + "p".repeat(2048 - base.length);
  }

  function largestChunk(index: number): Json {
    const documentId = `${index}-`.padEnd(200, "d");
    return {
      documentId,
      index,
      endReason: "E".repeat(1000),
      contentLocation: longUrl("storage.asm.skype.com", documentId, "/content/video"),
      metadataLocation: longUrl("storage.asm.skype.com", documentId, "/content/acsmetadata"),
      deleteLocation: longUrl("us-storage.asm.skype.com", documentId, ""),
    };
  }

  const bigText = "T".repeat(256);
  const bigEvent = (count: number): Json =>
    eventGridEvent({
      id: "i".repeat(256),
      subject: `/recording/call/${"c".repeat(64)}/serverCallId/${"s".repeat(300)}/recordingId/${"r".repeat(200)}`,
      data: gaData(
        Array.from({ length: count }, (_, i) => largestChunk(i)),
        {
          recordingContentType: bigText,
          recordingChannelType: bigText,
          recordingFormatType: bigText,
          sessionEndReason: bigText,
          storageType: bigText,
          recordingId: bigText,
        },
      ),
    });

  it("keeps every message of a 1000-chunk event with 2048-character URLs and maximal fields under 16 KiB encoded", () => {
    expect(MAX_ENCODED_MESSAGE_BYTES).toBe(16 * 1024);
    const messages = parse(bigEvent(1000));
    expect(messages).toHaveLength(1000);
    let largest = 0;
    for (const message of messages) {
      const encoded = encodeChunkMessage(message);
      largest = Math.max(largest, Buffer.byteLength(encoded));
      expect(message.contentLocation).toHaveLength(2048);
    }
    expect(largest).toBeGreaterThan(8 * 1024);
    expect(largest).toBeLessThanOrEqual(MAX_ENCODED_MESSAGE_BYTES);
    expect(largest).toBeLessThan(LIMIT);
  });

  it("rejects more than 1000 chunks", () => {
    const error = rejection(eventGridEvent({ data: gaData(Array.from({ length: 1001 }, (_, i) => previewChunk(i))) }));
    expect(error.field).toBe("data.recordingStorageInfo.recordingChunks");
    expect(error.message).toMatch(/1000/);
  });

  it("rejects a URL over 2048 characters", () => {
    const documentId = "0-eus-d12-0123456789abcdef0123456789abcdef";
    const url = longUrl("storage.asm.skype.com", documentId, "/content/video") + "x";
    expect(rejection(eventGridEvent({ data: gaData([gaChunk(0, { documentId, contentLocation: url })]) })).field).toBe(
      "data.recordingStorageInfo.recordingChunks[0].contentLocation",
    );
  });

  it("rejects an event whose message would exceed the limit (a huge subject) instead of enqueueing it", () => {
    const error = rejection(eventGridEvent({ subject: `/recording/call/${"c".repeat(20_000)}` }));
    expect(error.message).toMatch(String(MAX_ENCODED_MESSAGE_BYTES));
  });
});

interface BadEvent {
  readonly name: string;
  readonly event: () => unknown;
  readonly field: string;
  readonly policy?: RecordingEventPolicy;
}

const C0 = "data.recordingStorageInfo.recordingChunks[0]";
const C1 = "data.recordingStorageInfo.recordingChunks[1]";
const withChunk = (overrides: Json, index = 0): Json => eventGridEvent({ data: gaData([gaChunk(index, overrides)]) });
const withData = (extra: Json): Json => eventGridEvent({ data: gaData([gaChunk()], extra) });

const HOSTILE_URLS: readonly (readonly [string, string])[] = [
  ["another host", "https://evil.example.com/v1/objects/x"],
  ["http", "http://storage.asm.skype.com/v1/objects/x"],
  ["userinfo", "https://user@evil/"],
  ["allowed host as userinfo", "https://storage.asm.skype.com@evil.com/x"],
  ["a port", "https://storage.asm.skype.com:8443/v1/objects/x"],
  ["an IPv4 literal", "https://10.0.0.1/v1/objects/x"],
  ["an IPv6 literal", "https://[fd00::1]/v1/objects/x"],
  ["decimal IPv4", "http://2130706433/"],
  ["a look-alike", "https://storage.asm.skype.com.evil.com/x"],
  ["file:", "file:///etc/passwd"],
  ["relative", "/v1/objects/x"],
  ["unlisted loopback", "http://127.0.0.1:10000/devstoreaccount1/x"],
];

const BAD_EVENTS: readonly BadEvent[] = [
  // envelope
  { name: "id missing", event: () => eventGridEvent({ id: undefined }), field: "id" },
  { name: "id empty", event: () => eventGridEvent({ id: "" }), field: "id" },
  { name: "id blank", event: () => eventGridEvent({ id: "   " }), field: "id" },
  { name: "id a number", event: () => eventGridEvent({ id: 42 }), field: "id" },
  { name: "id over 256 characters", event: () => eventGridEvent({ id: "x".repeat(257) }), field: "id" },
  { name: "CloudEvents id missing", event: () => cloudEvent({ id: undefined }), field: "id" },
  { name: "eventTime missing", event: () => eventGridEvent({ time: undefined }), field: "eventTime" },
  { name: "eventTime a word", event: () => eventGridEvent({ time: "yesterday" }), field: "eventTime" },
  {
    name: "eventTime impossible date",
    event: () => eventGridEvent({ time: "2021-02-30T10:00:00Z" }),
    field: "eventTime",
  },
  { name: "eventTime hour 25", event: () => eventGridEvent({ time: "2021-07-27T25:00:00Z" }), field: "eventTime" },
  { name: "eventTime date only", event: () => eventGridEvent({ time: "2021-07-27" }), field: "eventTime" },
  { name: "eventTime epoch number", event: () => eventGridEvent({ time: 1627399234 }), field: "eventTime" },
  {
    name: "eventTime RFC 1123",
    event: () => eventGridEvent({ time: "Tue, 27 Jul 2021 15:20:34 GMT" }),
    field: "eventTime",
  },
  { name: "CloudEvents time bad", event: () => cloudEvent({ time: "not a time" }), field: "time" },
  { name: "CloudEvents time missing", event: () => cloudEvent({ time: undefined }), field: "time" },
  { name: "eventTime in year 9999", event: () => eventGridEvent({ time: "9999-12-31T23:59:59Z" }), field: "eventTime" },
  {
    name: "eventTime two hours ahead",
    event: () => eventGridEvent({ time: new Date(Date.now() + 2 * 3_600_000).toISOString() }),
    field: "eventTime",
  },
  {
    name: "CloudEvents time a day ahead",
    event: () => cloudEvent({ time: new Date(Date.now() + 24 * 3_600_000).toISOString() }),
    field: "time",
  },
  // a chunk's URLs must name the chunk's own documentId
  {
    name: "contentLocation of another document",
    event: () =>
      withChunk({
        documentId: "0-eus-d12-mine",
        contentLocation: "https://storage.asm.skype.com/v1/objects/0-eus-d12-other/content/video",
      }),
    field: `${C0}.contentLocation`,
  },
  {
    name: "metadataLocation of another document",
    event: () =>
      withChunk({
        documentId: "0-eus-d12-mine",
        metadataLocation: "https://storage.asm.skype.com/v1/objects/0-eus-d12-other/content/acsmetadata",
      }),
    field: `${C0}.metadataLocation`,
  },
  {
    name: "2021 preview API download URL of another document",
    event: () =>
      withChunk({
        documentId: "0-eus-d12-mine",
        contentLocation: "https://storage.asm.skype.com/recording/download/0-eus-d12-other",
      }),
    field: `${C0}.contentLocation`,
  },
  {
    name: "own document, then .. to another",
    event: () =>
      withChunk({
        documentId: "0-eus-d12-mine",
        contentLocation: "https://storage.asm.skype.com/v1/objects/0-eus-d12-mine/../0-eus-d12-other",
      }),
    field: `${C0}.contentLocation`,
  },
  {
    name: "own document only in the query",
    event: () =>
      withChunk({
        documentId: "0-eus-d12-mine",
        contentLocation: "https://storage.asm.skype.com/v1/other?doc=/v1/objects/0-eus-d12-mine",
      }),
    field: `${C0}.contentLocation`,
  },
  {
    name: "own document with an encoded slash",
    event: () =>
      withChunk({
        documentId: "0-eus-d12-mine",
        contentLocation: "https://storage.asm.skype.com/v1/objects/0-eus-d12-mine%2F..%2Fother/content/video",
      }),
    field: `${C0}.contentLocation`,
  },
  {
    name: "an unknown URL shape",
    event: () =>
      withChunk({
        documentId: "0-eus-d12-mine",
        contentLocation: "https://storage.asm.skype.com/download?id=0-eus-d12-mine",
      }),
    field: `${C0}.contentLocation`,
  },
  { name: "topic a number", event: () => eventGridEvent({ source: 7 }), field: "topic", policy: open },
  {
    name: "topic missing (no allowlist)",
    event: () => eventGridEvent({ source: undefined }),
    field: "topic",
    policy: open,
  },
  {
    name: "CloudEvents source an object",
    event: () => cloudEvent({ source: { id: TEST_ACS_RESOURCE } }),
    field: "source",
    policy: open,
  },
  {
    name: "unknown topic (allowlist set)",
    event: () => eventGridEvent({ source: TEST_ACS_RESOURCE.replace("contoso-acs", "mallory-acs") }),
    field: "topic",
  },
  {
    name: "topic extends an allowed one",
    event: () => eventGridEvent({ source: `${TEST_ACS_RESOURCE}-evil` }),
    field: "topic",
  },
  {
    name: "topic is a sub-path of an allowed one",
    event: () => eventGridEvent({ source: `${TEST_ACS_RESOURCE}/child` }),
    field: "topic",
  },
  { name: "topic missing (allowlist set)", event: () => eventGridEvent({ source: undefined }), field: "topic" },
  { name: "topic empty (allowlist set)", event: () => eventGridEvent({ source: "" }), field: "topic" },
  {
    name: "unknown CloudEvents source (allowlist set)",
    event: () => cloudEvent({ source: "/subscriptions/{subscription-id}" }),
    field: "source",
  },
  // data
  { name: "data missing", event: () => eventGridEvent({ data: undefined }), field: "data" },
  { name: "data a string that is not JSON", event: () => eventGridEvent({ data: "recording" }), field: "data" },
  {
    name: "data JSON text without recordingStorageInfo",
    event: () => eventGridEvent({ data: "{}" }),
    field: "data.recordingStorageInfo",
  },
  { name: "data an array", event: () => eventGridEvent({ data: [gaData()] }), field: "data" },
  {
    name: "recordingStorageInfo missing",
    event: () => eventGridEvent({ data: { recordingStartTime: "2024-05-06T07:08:09Z" } }),
    field: "data.recordingStorageInfo",
  },
  {
    name: "recordingStorageInfo a string",
    event: () => eventGridEvent({ data: { recordingStorageInfo: "chunks" } }),
    field: "data.recordingStorageInfo",
  },
  {
    name: "recordingChunks missing",
    event: () => eventGridEvent({ data: { recordingStorageInfo: {} } }),
    field: "data.recordingStorageInfo.recordingChunks",
  },
  {
    name: "recordingChunks empty",
    event: () => eventGridEvent({ data: gaData([]) }),
    field: "data.recordingStorageInfo.recordingChunks",
  },
  {
    name: "recordingChunks an object",
    event: () => eventGridEvent({ data: { recordingStorageInfo: { recordingChunks: { 0: gaChunk() } } } }),
    field: "data.recordingStorageInfo.recordingChunks",
  },
  // chunks
  { name: "chunk null", event: () => eventGridEvent({ data: gaData([null]) }), field: C0 },
  { name: "chunk a string", event: () => eventGridEvent({ data: gaData(["0-eus-d12-abc"]) }), field: C0 },
  { name: "chunk an array", event: () => eventGridEvent({ data: gaData([[gaChunk()]]) }), field: C0 },
  { name: "documentId missing", event: () => withChunk({ documentId: undefined }), field: `${C0}.documentId` },
  { name: "documentId empty", event: () => withChunk({ documentId: "" }), field: `${C0}.documentId` },
  { name: "documentId a number", event: () => withChunk({ documentId: 12345 }), field: `${C0}.documentId` },
  {
    name: "documentId path traversal ../",
    event: () => withChunk({ documentId: "../../recordings/other" }),
    field: `${C0}.documentId`,
  },
  { name: "documentId just ..", event: () => withChunk({ documentId: ".." }), field: `${C0}.documentId` },
  { name: "documentId with ..", event: () => withChunk({ documentId: "0-eus..d12" }), field: `${C0}.documentId` },
  { name: "documentId with /", event: () => withChunk({ documentId: "0-eus/d12" }), field: `${C0}.documentId` },
  { name: "documentId with \\", event: () => withChunk({ documentId: "..\\..\\windows" }), field: `${C0}.documentId` },
  { name: "documentId with \\ alone", event: () => withChunk({ documentId: "0-eus\\d12" }), field: `${C0}.documentId` },
  { name: "documentId with NUL", event: () => withChunk({ documentId: "0-eus-d12\u0000" }), field: `${C0}.documentId` },
  { name: "documentId with newline", event: () => withChunk({ documentId: "0-eus\nd12" }), field: `${C0}.documentId` },
  { name: "documentId with tab", event: () => withChunk({ documentId: "0-eus\td12" }), field: `${C0}.documentId` },
  { name: "documentId with DEL", event: () => withChunk({ documentId: "0-eus\u007fd12" }), field: `${C0}.documentId` },
  {
    name: "documentId with C1 control (NEL)",
    event: () => withChunk({ documentId: "0-eus\u0085d12" }),
    field: `${C0}.documentId`,
  },
  { name: "documentId leading space", event: () => withChunk({ documentId: " 0-eus-d12" }), field: `${C0}.documentId` },
  {
    name: "documentId trailing space",
    event: () => withChunk({ documentId: "0-eus-d12 " }),
    field: `${C0}.documentId`,
  },
  {
    name: "documentId over 200 characters",
    event: () => withChunk({ documentId: "d".repeat(201) }),
    field: `${C0}.documentId`,
  },
  { name: "index missing", event: () => withChunk({ index: undefined }), field: `${C0}.index` },
  { name: "index -1", event: () => withChunk({}, -1), field: `${C0}.index` },
  { name: "index 1.5", event: () => withChunk({}, 1.5), field: `${C0}.index` },
  { name: 'index "int" (BYOS schema placeholder)', event: () => withChunk({ index: "int" }), field: `${C0}.index` },
  { name: "index null", event: () => withChunk({ index: null }), field: `${C0}.index` },
  { name: "index true", event: () => withChunk({ index: true }), field: `${C0}.index` },
  { name: "index beyond safe integers", event: () => withChunk({}, 2 ** 53), field: `${C0}.index` },
  {
    name: "contentLocation a number",
    event: () => withChunk({ contentLocation: 443 }),
    field: `${C0}.contentLocation`,
  },
  ...HOSTILE_URLS.map(([what, url]): BadEvent => ({
    name: `contentLocation ${what}`,
    event: () => withChunk({ contentLocation: url }),
    field: `${C0}.contentLocation`,
  })),
  ...HOSTILE_URLS.map(([what, url]): BadEvent => ({
    name: `metadataLocation ${what}`,
    event: () => withChunk({ metadataLocation: url }),
    field: `${C0}.metadataLocation`,
  })),
  {
    name: "a hostile URL in the last chunk only",
    event: () =>
      eventGridEvent({ data: gaData([gaChunk(0), gaChunk(1, { contentLocation: "https://evil.example.com/x" })]) }),
    field: `${C1}.contentLocation`,
  },
];

describe("invalid events are rejected naming the field", () => {
  it.each(BAD_EVENTS.map((bad) => [bad.name, bad] as const))("%s", (_name, bad) => {
    const error = rejection(bad.event(), bad.policy ?? strict);
    expect(error.field).toBe(bad.field);
    expect(error.code).toBe("InvalidEvent");
    expect(error.message.startsWith(`${bad.field} `)).toBe(true);
  });

  it("returns nothing at all when any chunk is bad (URLs are checked before anything is enqueued)", () => {
    const event = eventGridEvent({
      data: gaData([gaChunk(0), gaChunk(1), gaChunk(2, { metadataLocation: "https://evil.example.com/x" })]),
    });
    let result: ChunkMessage[] | undefined;
    expect(() => {
      result = parse(event);
    }).toThrow(InvalidEventError);
    expect(result).toBeUndefined();
  });

  it("accepts an eventTime up to an hour ahead (clock skew), and old ones", () => {
    expect(parse(eventGridEvent({ time: new Date(Date.now() + 30 * 60_000).toISOString() }))).toHaveLength(1);
    expect(parse(eventGridEvent({ time: "2017-08-16T03:54:38Z" }))).toHaveLength(1);
  });

  it("accepts every location shape that names the chunk's own document (today's and the 2021 preview API's)", () => {
    const documentId = "0-eus-d12-mine";
    const own = [
      {
        contentLocation: `https://storage.asm.skype.com/v1/objects/${documentId}/content/video`,
        metadataLocation: `https://storage.asm.skype.com/v1/objects/${documentId}/content/acsmetadata`,
        deleteLocation: `https://us-storage.asm.skype.com/v1/objects/${documentId}`,
      },
      {
        contentLocation: `https://contoso-test.communication.azure.com/recording/download/${documentId}?api-version=2021-04-15-preview1`,
        metadataLocation: `https://contoso-test.communication.azure.com/recording/download/${documentId}/metadata?api-version=2021-04-15-preview1`,
      },
      { contentLocation: `https://storage.asm.skype.com/v1/objects/${encodeURIComponent(documentId)}/content/audio` },
    ];
    for (const locations of own)
      expect(only(parse(withChunk({ documentId, ...locations }), open))).toMatchObject(locations);
  });

  it("accepts what the bad table rejects once it is fixed (the table is not rejecting everything)", () => {
    expect(parse(withChunk({ documentId: "0-eus-d12-good" }))).toHaveLength(1);
    expect(parse(eventGridEvent({ data: gaData([gaChunk(0), gaChunk(1)]) }))).toHaveLength(2);
    expect(parse(cloudEvent({ source: TEST_ACS_RESOURCE }))).toHaveLength(1);
    expect(parse(withData({ recordingDurationMs: 0 }))).toHaveLength(1);
  });
});

interface OddEvent {
  readonly name: string;
  readonly event: () => unknown;
  /** The anomalies every message of the event carries. */
  readonly anomalies: readonly string[];
  /** Fields left out of every message. */
  readonly leftOut?: readonly (keyof ChunkMessage)[];
  readonly messages?: number;
}

/** Safe to fetch, only odd: archived, each oddity recorded on the chunk (never a reason to lose the recording). */
const ODD_EVENTS: readonly OddEvent[] = [
  {
    name: "deleteLocation of another document (the published GA sample's shape)",
    event: () =>
      withChunk({
        documentId: "0-eus-d12-mine",
        deleteLocation: "https://us-storage.asm.skype.com/v1/objects/0-eus-d12-other",
      }),
    anomalies: ["deleteLocationNamesOtherDocument"],
    leftOut: ["deleteLocation"],
  },
  {
    name: "deleteLocation: own document, then .. to another",
    event: () =>
      withChunk({
        documentId: "0-eus-d12-mine",
        deleteLocation: "https://storage.asm.skype.com/v1/objects/0-eus-d12-mine/../0-eus-d12-other",
      }),
    anomalies: ["deleteLocationNamesOtherDocument"],
    leftOut: ["deleteLocation"],
  },
  {
    name: "deleteLocation a number",
    event: () => withChunk({ deleteLocation: 443 }),
    anomalies: ["deleteLocationNotAllowed"],
    leftOut: ["deleteLocation"],
  },
  ...HOSTILE_URLS.map(([what, url]): OddEvent => ({
    name: `deleteLocation ${what}`,
    event: () => withChunk({ deleteLocation: url }),
    anomalies: ["deleteLocationNotAllowed"],
    leftOut: ["deleteLocation"],
  })),
  {
    name: "recordingStartTime bad",
    event: () => withData({ recordingStartTime: "2024-13-01T00:00:00Z" }),
    anomalies: ["recordingStartTimeUnreadable"],
    leftOut: ["recordingStartTime"],
  },
  {
    name: "recordingStartTime a number",
    event: () => withData({ recordingStartTime: 0 }),
    anomalies: ["recordingStartTimeUnreadable"],
    leftOut: ["recordingStartTime"],
  },
  {
    name: "recordingDurationMs negative",
    event: () => withData({ recordingDurationMs: -1 }),
    anomalies: ["recordingDurationUnreadable"],
    leftOut: ["recordingDurationMs"],
  },
  {
    name: 'recordingDurationMs a string (BYOS schema\'s "int")',
    event: () => withData({ recordingDurationMs: "6620" }),
    anomalies: ["recordingDurationUnreadable"],
    leftOut: ["recordingDurationMs"],
  },
  {
    name: "recordingContentType a number",
    event: () => withData({ recordingContentType: 1 }),
    anomalies: ["recordingFieldUnreadable"],
    leftOut: ["contentType"],
  },
  {
    name: "recordingChannelType over 256 characters",
    event: () => withData({ recordingChannelType: "M".repeat(257) }),
    anomalies: ["recordingFieldUnreadable"],
    leftOut: ["channelType"],
  },
  {
    name: "recordingFormatType an object",
    event: () => withData({ recordingFormatType: { value: "Mp4" } }),
    anomalies: ["recordingFieldUnreadable"],
    leftOut: ["formatType"],
  },
  {
    name: "sessionEndReason a boolean",
    event: () => withData({ sessionEndReason: true }),
    anomalies: ["recordingFieldUnreadable"],
    leftOut: ["sessionEndReason"],
  },
  {
    name: "storageType a number",
    event: () => withData({ storageType: 2 }),
    anomalies: ["recordingFieldUnreadable"],
    leftOut: ["storageType"],
  },
  {
    name: "endReason a number",
    event: () => withChunk({ endReason: 3 }),
    anomalies: ["endReasonUnreadable"],
    leftOut: ["endReason"],
  },
  { name: 'index "0" (a decimal string)', event: () => withChunk({ index: "0" }), anomalies: ["indexAsText"] },
  {
    name: "the same chunk listed twice",
    event: () =>
      eventGridEvent({
        data: gaData([gaChunk(0, { documentId: "0-eus-d12-twice" }), gaChunk(0, { documentId: "0-eus-d12-twice" })]),
      }),
    anomalies: ["chunkListedTwice"],
  },
  {
    name: "an index repeated with another document (as ACS's HA/DR can)",
    event: () => eventGridEvent({ data: gaData([gaChunk(0), gaChunk(0)]) }),
    anomalies: ["indexRepeated"],
    messages: 2,
  },
  {
    name: "a documentId repeated with another index",
    event: () =>
      eventGridEvent({
        data: gaData([gaChunk(0, { documentId: "0-eus-d12-same" }), gaChunk(1, { documentId: "0-eus-d12-same" })]),
      }),
    anomalies: ["documentIdRepeated"],
    messages: 2,
  },
];

describe("odd but safe events are archived, the oddity recorded on each chunk", () => {
  it.each(ODD_EVENTS.map((odd) => [odd.name, odd] as const))("%s", (_name, odd) => {
    const messages = parse(odd.event());
    expect(messages).toHaveLength(odd.messages ?? 1);
    for (const message of messages) {
      expect(message.anomalies).toEqual(odd.anomalies);
      for (const field of odd.leftOut ?? []) expect(message).not.toHaveProperty(field);
      expect(message.contentLocation).toMatch(/^https:\/\/storage\.asm\.skype\.com\//);
      expect(Buffer.byteLength(encodeChunkMessage(message))).toBeLessThan(MAX_ENCODED_MESSAGE_BYTES);
    }
  });

  it("records every anomaly of a chunk, sorted, and none on a normal chunk", () => {
    const [odd, normal] = parse(
      eventGridEvent({
        data: gaData(
          [gaChunk(0, { index: "0", deleteLocation: "https://evil.example.com/x", endReason: 1 }), gaChunk(1)],
          { recordingFormatType: 3 },
        ),
      }),
    );
    expect(odd?.anomalies).toEqual([
      "deleteLocationNotAllowed",
      "endReasonUnreadable",
      "indexAsText",
      "recordingFieldUnreadable",
    ]);
    expect(normal?.anomalies).toEqual(["recordingFieldUnreadable"]);
    expect(only(parse(eventGridEvent()))).not.toHaveProperty("anomalies");
  });
});

// ---------------------------------------------------------------------------------------------
// Published samples: test/fixtures/events (see SOURCES.md there for where each comes from).
// ---------------------------------------------------------------------------------------------

const FIXTURES = join(__dirname, "..", "fixtures", "events");
const fixtureFiles = existsSync(FIXTURES)
  ? readdirSync(FIXTURES)
      .filter((file) => file.endsWith(".json"))
      .sort()
  : [];

function fixtureEvents(file: string): Json[] {
  const parsed = JSON.parse(readFileSync(join(FIXTURES, file), "utf8")) as unknown;
  return (Array.isArray(parsed) ? parsed : [parsed]) as Json[];
}

interface FixtureExpectation {
  /** Expected fields of each message, in order (one per chunk). */
  readonly messages?: readonly Partial<ChunkMessage>[];
  /** Fields that must be absent from every message. */
  readonly absent?: readonly (keyof ChunkMessage)[];
  /** When the sample cannot be accepted: the field named. */
  readonly invalidField?: string;
  /** Field named when ALLOWED_ACS_RESOURCES is set to our resource and the sample's topic/source is not a resource id. */
  readonly strictRejects?: string;
}

const DOCS_DOCUMENT = "0-eus-d12-801b3f3fc462fe8a01e6810cbff729b8";
const DOCS_CONTENT = `https://storage.asm.skype.com/v1/objects/${DOCS_DOCUMENT}/content/video`;
const DOCS_METADATA = `https://storage.asm.skype.com/v1/objects/${DOCS_DOCUMENT}/content/acsmetadata`;
const DOCS_DELETE = "https://us-storage.asm.skype.com/v1/objects/0-eus-d1-83e9599991e21ad21220427d78fbf558";
const DOCS_RECORDING = {
  recordingStartTime: "2021-07-27T15:20:23.608Z",
  recordingDurationMs: 6620,
  sessionEndReason: "CallEnded",
} as const;

const EXPECTED: Record<string, FixtureExpectation> = {
  "seeds-quickstart-2021.preview.eventgrid.json": {
    messages: [
      {
        documentId: "0-eus-d11-05bf22b166dfb2119e3ff85d98906121",
        index: 0,
        endReason: "SessionEnded",
        eventId: "b2f7c4a9-1d3e-4c58-9e6b-0a7d8f9e1c23",
        eventTime: "2021-03-24T18:54:02.506Z",
        deadline: "2021-03-26T18:54:02.506Z",
        callId: "43563209-4ec6-4119-be5b-88398cda2caf",
        chunkCount: 1,
        recordingStartTime: "2021-03-24T18:52:14.132Z",
        recordingDurationMs: 15000,
        sessionEndReason: "CallEnded",
      },
    ],
    absent: [
      "contentLocation",
      "metadataLocation",
      "deleteLocation",
      "serverCallId",
      "recordingId",
      "contentType",
      "channelType",
      "formatType",
      "storageType",
    ],
  },
  "docs-eventgrid-acs-voice-video-events.public-preview-2021.recordingid-subject.eventgrid.json": {
    messages: [
      {
        documentId: DOCS_DOCUMENT,
        index: 0,
        endReason: "SessionEnded",
        contentLocation: DOCS_CONTENT,
        metadataLocation: DOCS_METADATA,
        eventId: "7283825e-f8f1-4c61-a9ea-752c56890500",
        eventTime: "2021-07-27T15:20:34.219Z",
        deadline: "2021-07-29T15:20:34.219Z",
        callId: "{call-id}",
        recordingId: "{recording-id}",
        chunkCount: 1,
        ...DOCS_RECORDING,
      },
    ],
    absent: ["deleteLocation", "serverCallId", "contentType", "channelType", "formatType"],
  },
  // The GA docs sample's deleteLocation names another document (0-eus-d1-83e9…) than its chunk: the chunk is archived
  // (content and metadata name its own document), the deleteLocation is left out, never called, and recorded.
  "docs-eventgrid-acs-voice-video-events.ga.servercallid-subject.eventgrid.json": {
    messages: [
      {
        documentId: DOCS_DOCUMENT,
        contentLocation: DOCS_CONTENT,
        metadataLocation: DOCS_METADATA,
        serverCallId: "{server-call-id}",
        anomalies: ["deleteLocationNamesOtherDocument"],
        ...DOCS_RECORDING,
      },
    ],
    absent: ["deleteLocation"],
  },
  "derived-docs-eventgrid-acs-voice-video-events.ga.cloudevents.json": {
    messages: [
      {
        documentId: DOCS_DOCUMENT,
        contentLocation: DOCS_CONTENT,
        metadataLocation: DOCS_METADATA,
        anomalies: ["deleteLocationNamesOtherDocument"],
      },
    ],
    absent: ["deleteLocation"],
  },
  // The SDKs' test events name no ACS resource (no topic; a CloudEvent source of only /subscriptions/{id}): no real
  // delivery looks like that (README, intake rules), so they are refused.
  "sdk-go-azsystemevents-tests.ga.eventgrid.json": { invalidField: "topic" },
  "sdk-go-azsystemevents-tests.ga.cloudevents.json": { invalidField: "source" },
  "derived-docs-byos-quickstart.private-preview-2023.byos.eventgrid.json": {
    messages: [
      {
        documentId: DOCS_DOCUMENT,
        index: 0,
        contentLocation: DOCS_CONTENT,
        deleteLocation: `https://storage.asm.skype.com/v1/objects/${DOCS_DOCUMENT}`,
        eventId: "3f9c1b0e-6a51-4d7e-9a2c-5f0d2b8e7c41",
        callId: "6a1f2c3d-4b5e-4f60-8a71-92b3c4d5e6f7",
        serverCallId: "aHR0cHM6Ly9hcGkuZXhhbXBsZS5pbnZhbGlkL2NvbnYvZmFrZS1zZXJ2ZXItY2FsbC1pZA",
        recordingId: "eyJQbGF0Zm9ybUVuZHBvaW50SWQiOiJmYWtlLXJlY29yZGluZy1pZCJ9",
        storageType: "blobstorage",
        deadline: "2023-03-19T15:20:34.219Z",
      },
    ],
  },
  // Every value is a quoted placeholder ("string", "int"): not an acceptable event.
  "docs-byos-quickstart.private-preview-2023.byos.eventgrid.schema-verbatim.json": { invalidField: "eventTime" },
  "docs-byos-quickstart.ga-2023.byos.eventgrid.schema-verbatim.json": { invalidField: "eventTime" },
  // Blob URLs in the customer's account: accepted only through the BYOS step (test/byos/byosIntake.test.ts).
  "derived-docs-byos-quickstart.ga-2023.azureblob.eventgrid.json": {
    invalidField: "data.recordingStorageInfo.recordingChunks[0].contentLocation",
  },
};

/** A resource id usable in ALLOWED_ACS_RESOURCES, or undefined (the docs' samples use placeholders that still fit the pattern). */
function allowlistable(source: unknown): string | undefined {
  if (typeof source !== "string") return undefined;
  return /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Communication\/communicationServices\/[^/]+\/?$/i.test(
    source,
  )
    ? source
    : undefined;
}

describe.skipIf(fixtureFiles.length === 0)("published samples (test/fixtures/events)", () => {
  it("has the samples SOURCES.md describes", () => {
    expect(fixtureFiles).toEqual(expect.arrayContaining(Object.keys(EXPECTED)));
  });

  it.each(fixtureFiles)(
    "%s: every recording event mirrors its chunks into messages, or is rejected as expected",
    (file) => {
      const expectation = EXPECTED[file];
      const events = fixtureEvents(file);
      expect(events.length).toBeGreaterThan(0);
      for (const event of events) {
        const envelope = readEnvelope(event);
        expect(envelope).toBeDefined();
        if (!envelope) continue;
        expect(envelope.schema).toBe(file.includes("cloudevents") ? "CloudEvents" : "EventGrid");
        if (expectation?.invalidField) {
          expect(() => chunkMessagesFromEvent(envelope, open)).toThrow(InvalidEventError);
          expect(rejection(event, open).field).toBe(expectation.invalidField);
          continue;
        }
        expect(envelope.type).toBe(RECORDING_FILE_STATUS_UPDATED);
        const messages = chunkMessagesFromEvent(envelope, open);
        const data = event["data"] as { recordingStorageInfo: { recordingChunks: Json[] } };
        const chunks = data.recordingStorageInfo.recordingChunks;
        expect(messages).toHaveLength(chunks.length);
        messages.forEach((message, position) => {
          const chunk = chunks[position] as Json;
          expect(message.documentId).toBe(chunk["documentId"]);
          expect(message.index).toBe(chunk["index"]);
          expect(message.endReason).toBe(chunk["endReason"]);
          expect(message.contentLocation).toBe(chunk["contentLocation"]);
          expect(message.metadataLocation).toBe(chunk["metadataLocation"]);
          // A deleteLocation that does not name the chunk's document is left out and recorded, never carried.
          if (message.anomalies?.includes("deleteLocationNamesOtherDocument"))
            expect(message.deleteLocation).toBeUndefined();
          else expect(message.deleteLocation).toBe(chunk["deleteLocation"]);
          expect(message.eventId).toBe(envelope.id);
          expect(message.chunkCount).toBe(chunks.length);
          expect(Date.parse(message.deadline) - Date.parse(message.eventTime)).toBe(48 * HOUR);
          expect(Buffer.byteLength(encodeChunkMessage(message))).toBeLessThan(MAX_ENCODED_MESSAGE_BYTES);
        });
      }
    },
  );

  it.each(Object.entries(EXPECTED).filter(([file, e]) => fixtureFiles.includes(file) && e.messages))(
    "%s: parses into the expected chunk messages",
    (file, expectation) => {
      const events = fixtureEvents(file);
      const messages = events.flatMap((event) => parse(event, open));
      expect(messages).toHaveLength(expectation.messages?.length ?? 0);
      messages.forEach((message, position) => {
        expect(message).toMatchObject(expectation.messages?.[position] ?? {});
        expect(message.chunkKey).toBe(`${message.resource}|${message.documentId}|${message.index}`);
        for (const field of expectation.absent ?? []) expect(message).not.toHaveProperty(field);
      });
    },
  );

  it.each(Object.entries(EXPECTED).filter(([file, e]) => fixtureFiles.includes(file) && e.messages))(
    "%s: with ALLOWED_ACS_RESOURCES set to its own topic it is still accepted; with another resource it is rejected",
    (file, expectation) => {
      for (const event of fixtureEvents(file)) {
        const envelope = readEnvelope(event);
        const source = allowlistable(envelope?.source);
        if (source) {
          const own = policyFor({ ALLOWED_ACS_RESOURCES: source });
          expect(parse(event, own).map((m) => m.resource)).toEqual(
            expectation.messages?.map(() => source.toLowerCase()),
          );
          expect(rejection(event, strict).field).toBe(envelope?.fields.source);
        } else {
          expect(expectation.strictRejects).toBeDefined();
          expect(rejection(event, strict).field).toBe(expectation.strictRejects);
        }
      }
    },
  );

  it("archives the GA docs sample as published: its foreign deleteLocation left out and recorded, its own one kept", () => {
    const file = "docs-eventgrid-acs-voice-video-events.ga.servercallid-subject.eventgrid.json";
    if (!fixtureFiles.includes(file)) return;
    const published = only(fixtureEvents(file));
    expect(
      (published["data"] as { recordingStorageInfo: { recordingChunks: Json[] } }).recordingStorageInfo
        .recordingChunks[0]?.["deleteLocation"],
    ).toBe(DOCS_DELETE);
    const message = only(parse(published, open));
    expect(message).not.toHaveProperty("deleteLocation");
    expect(message.anomalies).toEqual(["deleteLocationNamesOtherDocument"]);
    const fixed = structuredClone(published);
    const chunk = (fixed["data"] as { recordingStorageInfo: { recordingChunks: Json[] } }).recordingStorageInfo
      .recordingChunks[0] as Json;
    const ownDelete = `https://us-storage.asm.skype.com/v1/objects/${DOCS_DOCUMENT}`;
    chunk["deleteLocation"] = ownDelete;
    expect(parse(fixed, open)).toEqual([
      expect.objectContaining({
        documentId: DOCS_DOCUMENT,
        contentLocation: DOCS_CONTENT,
        metadataLocation: DOCS_METADATA,
        deleteLocation: ownDelete,
        serverCallId: "{server-call-id}",
        chunkCount: 1,
        ...DOCS_RECORDING,
      }),
    ]);
    expect(only(parse(fixed, open))).not.toHaveProperty("anomalies");
    chunk["contentLocation"] = DOCS_CONTENT.replace("storage.asm.skype.com", "storage.asm.skype.com.evil.example");
    expect(rejection(fixed, open).field).toBe(`${C0}.contentLocation`);
  });
});
