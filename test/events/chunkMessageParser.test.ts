import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/appConfig";
import { DownloadUrlRejectedError } from "../../src/errors";
import {
  CHUNK_LOCATION_FIELDS,
  CHUNK_TEXT_FIELDS,
  encodeChunkMessage,
  type ChunkMessage,
} from "../../src/queue/chunkMessage";
import { parseChunkMessage } from "../../src/queue/chunkMessageParser";
import { readEnvelope } from "../../src/events/eventEnvelope";
import { chunkMessagesFromEvent } from "../../src/events/recordingEvent";
import { eventGridEvent, gaChunk, gaData } from "../support/recordingEvents";
import { TEST_ACS_CONNECTION_STRING } from "../support/testSettings";

const config = parseConfig({
  AzureWebJobsStorage: "UseDevelopmentStorage=true",
  ACS_CONNECTION_STRING: TEST_ACS_CONNECTION_STRING,
});

/** A message as intake builds it, with every optional field set. */
function fullMessage(): ChunkMessage {
  const event = eventGridEvent({
    data: gaData([gaChunk(0), gaChunk(1, { endReason: "ChunkMaximumSizeExceeded" })], {
      storageType: "AzureBlob",
      recordingId: "rec-1",
    }),
  });
  const envelope = readEnvelope(event);
  if (!envelope) throw new Error("not an event");
  const [message] = chunkMessagesFromEvent(envelope, config);
  if (!message) throw new Error("no message");
  return { ...message, redelivery: 2 };
}

function parseFailure(message: unknown): DownloadUrlRejectedError {
  try {
    parseChunkMessage(message, config.downloadHosts);
  } catch (error) {
    if (error instanceof DownloadUrlRejectedError) return error;
    throw error;
  }
  throw new Error("parsed a message it should have refused");
}

describe("the chunk message: one shape, built by intake and read back by the archiver", () => {
  it("reads back exactly what intake built, from base64 as the queue holds it, every field included", () => {
    const message = fullMessage();
    for (const field of [...CHUNK_TEXT_FIELDS, ...CHUNK_LOCATION_FIELDS])
      if (field !== "endReason") expect(message).toHaveProperty(field);
    expect(parseChunkMessage(encodeChunkMessage(message), config.downloadHosts)).toEqual(message);
  });

  it("refuses a tampered message whose contentLocation or metadataLocation names another document (no signed request)", () => {
    const message = fullMessage();
    for (const field of ["contentLocation", "metadataLocation"] as const) {
      const tampered = {
        ...message,
        [field]: `https://storage.asm.skype.com/v1/objects/0-eus-d12-other/content/video`,
      };
      expect(parseFailure(tampered).field).toBe(field);
    }
  });

  it("drops a deleteLocation that names another document, recording why (the chunk is still archived, nothing else is deleted)", () => {
    const message = fullMessage();
    const parsed = parseChunkMessage(
      { ...message, deleteLocation: "https://us-storage.asm.skype.com/v1/objects/0-eus-d12-other" },
      config.downloadHosts,
    );
    expect(parsed).not.toHaveProperty("deleteLocation");
    expect(parsed.anomalies).toEqual(["deleteLocationNamesOtherDocument"]);
    expect(parsed.contentLocation).toBe(message.contentLocation);
  });

  it("drops a deleteLocation on a host that is not allowed (never signed, never sent), recording why", () => {
    const parsed = parseChunkMessage(
      { ...fullMessage(), deleteLocation: "https://evil.example.com/v1/objects/x" },
      config.downloadHosts,
    );
    expect(parsed).not.toHaveProperty("deleteLocation");
    expect(parsed.anomalies).toEqual(["deleteLocationNotAllowed"]);
  });

  it("keeps the anomalies intake found, merged with its own, known codes only", () => {
    const parsed = parseChunkMessage(
      {
        ...fullMessage(),
        anomalies: ["indexAsText", "madeUp", 7],
        deleteLocation: "https://evil.example.com/x",
        recordingStartTime: "soon",
      },
      config.downloadHosts,
    );
    expect(parsed.anomalies).toEqual(["deleteLocationNotAllowed", "indexAsText", "recordingStartTimeUnreadable"]);
    expect(parsed).not.toHaveProperty("recordingStartTime");
  });
});
