import type { ContainerClient } from "@azure/storage-blob";
import { describe, expect, it } from "vitest";
import { ExpectedRecords } from "../../src/catalog/expectedRecords";
import { parseConfig } from "../../src/config/appConfig";
import { readEnvelope } from "../../src/events/eventEnvelope";
import { chunkMessagesFromEvent } from "../../src/events/recordingEvent";
import { eventGridEvent, gaChunk, gaData } from "../support/recordingEvents";
import { TEST_ACS_CONNECTION_STRING } from "../support/testSettings";

/** A container that takes every write after a short while, counting the writes in flight at once. */
function countingContainer(): { container: ContainerClient; names: string[]; mostInFlight: () => number } {
  const names: string[] = [];
  let inFlight = 0;
  let most = 0;
  const container = {
    containerName: "recordings",
    createIfNotExists: () => Promise.resolve({}),
    getBlockBlobClient: (name: string) => ({
      upload: async () => {
        inFlight += 1;
        most = Math.max(most, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 5));
        inFlight -= 1;
        names.push(name);
        return {};
      },
    }),
  } as unknown as ContainerClient;
  return { container, names, mostInFlight: () => most };
}

describe("the later traces of a recording named by many events of one delivery", () => {
  it("are written side by side, at most the writes' bound at once, one per event", async () => {
    const config = parseConfig({
      AzureWebJobsStorage: "UseDevelopmentStorage=true",
      ACS_CONNECTION_STRING: TEST_ACS_CONNECTION_STRING,
    });
    const subject = "/recording/call/many-events/serverCallId/c2VydmVy/recordingId/rec-many";
    // 80 events of one recording, each naming a chunk of its own: one expected record, 79 later traces.
    const messages = Array.from({ length: 80 }, (_, i) =>
      eventGridEvent({ subject, data: gaData([gaChunk(i)]) }),
    ).flatMap((event) => chunkMessagesFromEvent(readEnvelope(event)!, config));
    const { container, names, mostInFlight } = countingContainer();
    const summary = await new ExpectedRecords(container, 16).write(messages);
    expect(summary).toMatchObject({ recordings: 1, laterEvents: 79 });
    expect(names.filter((name) => name.endsWith("/expected.json"))).toHaveLength(1);
    expect(new Set(names).size).toBe(names.length);
    expect(mostInFlight()).toBeGreaterThan(1);
    expect(mostInFlight()).toBeLessThanOrEqual(16);
  });
});
