import { randomUUID } from "node:crypto";
import { TEST_ACS_RESOURCE } from "./testSettings";

/**
 * Builders for Microsoft.Communication.RecordingFileStatusUpdated events (and a few others) as Event Grid
 * and CloudEvents 1.0 deliver them. Values follow the published samples (see test/fixtures/events/SOURCES.md);
 * every builder returns plain JSON so a test can break any field.
 */
export type Json = Record<string, unknown>;

const RECORDING_EVENT_TYPE = "Microsoft.Communication.RecordingFileStatusUpdated";

/** A documentId shaped like the published ones (`0-eus-d12-<32 hex>`), unique per call. */
function documentId(): string {
  return `0-eus-d12-${randomUUID().replace(/-/g, "")}`;
}

/** A GA chunk: documentId, index, endReason and the three URLs on the ACS storage hosts. */
export function gaChunk(index = 0, overrides: Json = {}): Json {
  const id = typeof overrides["documentId"] === "string" ? overrides["documentId"] : documentId();
  return {
    documentId: id,
    index,
    endReason: "SessionEnded",
    contentLocation: `https://storage.asm.skype.com/v1/objects/${id}/content/video`,
    metadataLocation: `https://storage.asm.skype.com/v1/objects/${id}/content/acsmetadata`,
    deleteLocation: `https://us-storage.asm.skype.com/v1/objects/${id}`,
    ...overrides,
  };
}

/** A chunk of the 2021 preview (the seeds): documentId, index and endReason only. */
export function previewChunk(index = 0, overrides: Json = {}): Json {
  return { documentId: documentId(), index, endReason: "SessionEnded", ...overrides };
}

/** GA `data` with the given chunks; `extra` is merged over it (use `undefined` values to drop fields). */
export function gaData(chunks: readonly unknown[] = [gaChunk()], extra: Json = {}): Json {
  return {
    recordingStorageInfo: { recordingChunks: [...chunks] },
    recordingStartTime: "2024-05-06T07:08:09.1234567Z",
    recordingDurationMs: 6620,
    sessionEndReason: "CallEnded",
    recordingContentType: "AudioVideo",
    recordingChannelType: "Mixed",
    recordingFormatType: "Mp4",
    ...extra,
  };
}

export interface EventInit {
  readonly id?: unknown;
  readonly type?: unknown;
  readonly source?: unknown;
  readonly subject?: unknown;
  readonly time?: unknown;
  readonly data?: unknown;
}

export const DEFAULT_EVENT_TIME = "2024-05-06T07:10:11.2199328Z";

function defaults(init: EventInit): Required<EventInit> {
  const callId = randomUUID();
  return {
    id: "id" in init ? init.id : randomUUID(),
    type: "type" in init ? init.type : RECORDING_EVENT_TYPE,
    source: "source" in init ? init.source : TEST_ACS_RESOURCE,
    subject:
      "subject" in init
        ? init.subject
        : `/recording/call/${callId}/serverCallId/c2VydmVyLWNhbGw/recordingId/rec-${callId}`,
    time: "time" in init ? init.time : DEFAULT_EVENT_TIME,
    data: "data" in init ? init.data : gaData(),
  };
}

/** Drops keys whose value is undefined (a field "absent" in JSON). */
function compact(value: Json): Json {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined));
}

/** An Event Grid schema event (`eventType`, `eventTime`, `topic`, `dataVersion`, `metadataVersion`). */
export function eventGridEvent(init: EventInit = {}): Json {
  const e = defaults(init);
  return compact({
    id: e.id,
    topic: e.source,
    subject: e.subject,
    data: e.data,
    eventType: e.type,
    dataVersion: "1.0",
    metadataVersion: "1",
    eventTime: e.time,
  });
}

/** A CloudEvents 1.0 event (`type`, `source`, `time`, `specversion`). */
export function cloudEvent(init: EventInit = {}): Json {
  const e = defaults(init);
  return compact({
    specversion: "1.0",
    type: e.type,
    source: e.source,
    id: e.id,
    time: e.time,
    subject: e.subject,
    datacontenttype: "application/json",
    data: e.data,
  });
}

/** The Event Grid webhook validation handshake event. */
export function subscriptionValidationEvent(validationCode: string): Json {
  return {
    id: randomUUID(),
    topic: TEST_ACS_RESOURCE,
    subject: "",
    data: {
      validationCode,
      validationUrl: `https://rp-westeurope.eventgrid.azure.net:553/eventsubscriptions/archiver/validate?id=${validationCode}&t=2024-05-06T07:10:11Z`,
    },
    eventType: "Microsoft.EventGrid.SubscriptionValidationEvent",
    eventTime: DEFAULT_EVENT_TIME,
    metadataVersion: "1",
    dataVersion: "2",
  };
}

/** Another ACS event type that intake must acknowledge and ignore. */
export function otherAcsEvent(): Json {
  return eventGridEvent({
    type: "Microsoft.Communication.CallStarted",
    subject: "call/aHR0cHM6Ly9leGFtcGxl/startedBy/8:acs:1bdaa2b9",
    data: {
      startedBy: { communicationIdentifier: { rawId: "8:acs:1bdaa2b9" } },
      serverCallId: "aHR0cHM6Ly9leGFtcGxl",
      isTwoParty: true,
    },
  });
}
