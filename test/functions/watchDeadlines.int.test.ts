// Integration tier. Needs: Azurite, dist/, loopback servers.
import { BlobServiceClient } from "@azure/storage-blob";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { ARCHIVE_EVENT_TYPES } from "../../src/catalog/archiveEvents";
import { chunkKey } from "../../src/queue/chunkMessage";
import { startEventReceiver, type EventReceiver } from "../../tools/eventReceiver";
import { findFunction, loadCompiledApp, type RegisteredFunction } from "../support/compiledApp";
import { invokeHttp, webhookRequest } from "../support/functionInvoke";
import { eventGridEvent, gaChunk, gaData } from "../support/recordingEvents";
import { capturingContext, TEST_ACS_CONNECTION_STRING, TEST_ACS_RESOURCE, uniqueName } from "../support/testSettings";

// The compiled app: a recording delivered to the webhook whose chunk message is never archived (nobody drains the
// queue) is reported by the watchDeadlines timer once a quarter of its window or less is left.

const HOUR = 3_600_000;
const containerName = uniqueName("watch-rec");
let receiver: EventReceiver;
let functions: RegisteredFunction[];

beforeAll(async () => {
  receiver = await startEventReceiver();
  functions = loadCompiledApp({
    AzureWebJobsStorage: inject("azuriteConnectionString"),
    ACS_CONNECTION_STRING: TEST_ACS_CONNECTION_STRING,
    ALLOWED_ACS_RESOURCES: TEST_ACS_RESOURCE,
    CHUNK_QUEUE: uniqueName("watch-chunks"),
    RECORDINGS_CONTAINER: containerName,
    RETENTION_HOURS: "24",
    ARCHIVE_EVENTS_ENDPOINT: receiver.endpoint,
    ARCHIVE_EVENTS_KEY: receiver.key,
  });
});
afterAll(async () => receiver.close());

describe("watchDeadlines (compiled app)", () => {
  it("is a timer every 15 minutes that does not run on startup", () => {
    const trigger = Object.values(findFunction(functions, "watchDeadlines").metadata.bindings).find(
      (binding) => binding.direction === "in",
    );
    expect(trigger).toMatchObject({ type: "timerTrigger", schedule: "0 */15 * * * *", runOnStartup: false });
  });

  it("publishes RecordingDeadlineAtRisk for a chunk intake queued 20 h ago (24 h window) and nobody archived, listing it", async () => {
    const callId = uniqueName("watch-call");
    const documentId = `watch-doc-${callId}`;
    const eventTime = new Date(Date.now() - 20 * HOUR).toISOString();
    const event = eventGridEvent({
      time: eventTime,
      subject: `/recording/call/${callId}/serverCallId/c2VydmVyLWNhbGw/recordingId/rec-${callId}`,
      data: gaData([gaChunk(0, { documentId })], {
        recordingStartTime: new Date(Date.parse(eventTime) - 120_000).toISOString(),
      }),
    });
    const { context: deliveryContext } = capturingContext("recordingEventsWebhook");
    const answer = await invokeHttp(
      findFunction(functions, "recordingEventsWebhook"),
      webhookRequest({
        body: JSON.stringify([event]),
        headers: { "content-type": "application/json", "aeg-event-type": "Notification" },
      }),
      deliveryContext,
    );
    expect(answer.status, answer.text).toBe(200);
    // Intake left the deadline marker the watch lists.
    const markers: string[] = [];
    const container = BlobServiceClient.fromConnectionString(inject("azuriteConnectionString")).getContainerClient(
      containerName,
    );
    for await (const blob of container.listBlobsFlat({ prefix: "archive-deadlines/" })) markers.push(blob.name);
    expect(markers).toHaveLength(1);

    const { context, logs } = capturingContext("watchDeadlines");
    await findFunction(functions, "watchDeadlines").handler({ isPastDue: false }, context);
    const published = receiver.events.filter(
      (item) => item["eventType"] === ARCHIVE_EVENT_TYPES.recordingDeadlineAtRisk,
    );
    expect(published).toHaveLength(1);
    expect(published[0]?.["data"]).toMatchObject({
      callId,
      atRiskCount: 1,
      chunks: [{ chunkKey: chunkKey(TEST_ACS_RESOURCE, documentId, 0), documentId, index: 0 }],
      chunksOmitted: 0,
    });
    expect(logs.filter((log) => log.level === "warning").map((log) => log.message)).toEqual([
      expect.stringMatching(/^Deadline watch: 1 chunk\(s\)/),
    ]);
  });
});
