// Integration tier. Needs: Azurite, the ACS simulator, dist/.
import { HttpRequest, type HttpResponseInit } from "@azure/functions";
import { QueueClient } from "@azure/storage-queue";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startAcsSimulator, type AcsSimulator } from "../../tools/acsSimulator";
import {
  createCallRecordingSimulator,
  type CallRecordingSimulator,
  type StoppedRecording,
} from "../../tools/acsSimulator/callAutomation";
import { findFunction, loadCompiledApp, type RegisteredFunction } from "../support/compiledApp";
import { capturingContext, TEST_ACS_RESOURCE, uniqueName, simSettings } from "../support/testSettings";

const FORMAT_TYPES = { mp4: "Mp4", mp3: "Mp3", wav: "Wav" } as const;

async function invoke(
  functions: readonly RegisteredFunction[],
  name: string,
  init: {
    method: string;
    path: string;
    params?: Record<string, string>;
    body?: string;
    headers?: Record<string, string>;
  },
): Promise<{ status: number; body: unknown }> {
  const request = new HttpRequest({
    method: init.method,
    url: `http://localhost:7071/api/${init.path}`,
    headers: { "content-type": "application/json", ...init.headers },
    params: init.params ?? {},
    ...(init.body === undefined ? {} : { body: { string: init.body } }),
  });
  const response = (await findFunction(functions, name).handler(
    request,
    capturingContext(name).context,
  )) as HttpResponseInit;
  return { status: response.status ?? 200, body: response.jsonBody };
}

describe("start -> pause -> resume -> stop -> RecordingFileStatusUpdated -> intake -> chunk queue (Azurite)", () => {
  const queueName = uniqueName("ctl-chunks");
  const documentId = `0-eus-d2-${"e2e0".repeat(8)}`;
  let sim: AcsSimulator;
  let calls: CallRecordingSimulator;
  let functions: RegisteredFunction[];
  const deliveries: Array<{ stopped: StoppedRecording; eventId: string; status: number; body: unknown }> = [];

  beforeAll(async () => {
    sim = await startAcsSimulator();
    calls = createCallRecordingSimulator({
      // What ACS does after a recording stops: publish RecordingFileStatusUpdated, here straight to the webhook function.
      onStopped: async (stopped) => {
        const event = sim.recordingEvent({
          topic: TEST_ACS_RESOURCE,
          serverCallId: stopped.serverCallId,
          recordingId: stopped.recordingId,
          recordingStartTime: stopped.startedAt,
          recordingDurationMs: stopped.durationMs,
          chunks: [{ documentId, size: 300_000, format: stopped.format }],
        });
        const delivery = await invoke(functions, "recordingEventsWebhook", {
          method: "POST",
          path: "recording-events",
          body: JSON.stringify([event]),
          headers: { "aeg-event-type": "Notification" },
        });
        deliveries.push({ stopped, eventId: event.id, ...delivery });
      },
    });
    sim.addEndpointRoute(calls.route);
    functions = loadCompiledApp(
      simSettings(sim, {
        CHUNK_QUEUE: queueName,
        ALLOWED_ACS_RESOURCES: TEST_ACS_RESOURCE,
      }),
    );
  });
  afterAll(() => sim.close());

  it("queues the recording's chunk for the archiver, carrying the ids the control API returned", async () => {
    const conversationUrl = "https://api.flightproxy.skype.com/api/v2/cp/conv-weu-03/conversations/e2e-call";
    const serverCallId = Buffer.from(conversationUrl).toString("base64url");
    calls.addCall(serverCallId);

    const started = await invoke(functions, "startRecording", {
      method: "POST",
      path: "recordings",
      body: JSON.stringify({ conversationUrl, content: "audio", channel: "mixed", format: "mp3" }),
    });
    expect(started).toMatchObject({ status: 200, body: { serverCallId, recordingState: "active" } });
    const { recordingId } = started.body as { recordingId: string };
    const params = { recordingId };
    const path = `recordings/${encodeURIComponent(recordingId)}`;

    expect(await invoke(functions, "pauseRecording", { method: "POST", path: `${path}/pause`, params })).toMatchObject({
      status: 202,
    });
    expect(await invoke(functions, "getRecordingState", { method: "GET", path, params })).toMatchObject({
      body: { recordingState: "inactive" },
    });
    expect(
      await invoke(functions, "resumeRecording", { method: "POST", path: `${path}/resume`, params }),
    ).toMatchObject({ status: 202 });
    expect(await invoke(functions, "stopRecording", { method: "DELETE", path, params })).toMatchObject({
      status: 200,
      body: {},
    });
    await calls.drain();

    expect(deliveries).toHaveLength(1);
    const [delivery] = deliveries;
    expect(delivery?.stopped).toMatchObject({
      recordingId,
      serverCallId,
      format: "mp3",
      endReason: "stopped",
      pauseResumeIntervals: [expect.any(Object)],
    });
    expect(delivery?.status).toBe(200);
    expect(delivery?.body).toMatchObject({ received: 1, accepted: 1, enqueued: 1, rejected: [] });

    const queue = new QueueClient(inject("azuriteConnectionString"), queueName);
    const { receivedMessageItems } = await queue.receiveMessages({ numberOfMessages: 32 });
    expect(receivedMessageItems).toHaveLength(1);
    const message = JSON.parse(
      Buffer.from(receivedMessageItems[0]?.messageText ?? "", "base64").toString("utf8"),
    ) as Record<string, unknown>;
    const urls = sim.urls(documentId);
    expect(message).toMatchObject({
      documentId,
      index: 0,
      chunkCount: 1,
      recordingId,
      serverCallId,
      eventId: delivery?.eventId,
      resource: TEST_ACS_RESOURCE.toLowerCase(),
      contentLocation: urls.contentLocation,
      metadataLocation: urls.metadataLocation,
      formatType: FORMAT_TYPES.mp3,
      recordingStartTime: delivery?.stopped.startedAt,
    });
    expect(sim.document(documentId)).toMatchObject({ size: 300_000, format: "mp3", deleted: false });
  });
});
