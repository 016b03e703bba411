// Integration tier. Needs: the ACS simulator, loopback servers.
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { EventGridDeserializer, isSystemEvent } from "@azure/eventgrid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  DEFAULT_TOPIC,
  RECORDING_EVENT_TYPE,
  startAcsSimulator,
  type AcsSimulator,
  type CloudEvent,
  type EventGridEvent,
} from "../../tools/acsSimulator";
import { SdkSigningClient } from "./support/sdkSigningClient";

interface Delivery {
  headers: IncomingHttpHeaders;
  body: string;
}

describe("ACS simulator: RecordingFileStatusUpdated events", () => {
  let sim: AcsSimulator;
  let webhook: Server;
  let webhookUrl: string;
  const deliveries: Delivery[] = [];

  beforeAll(async () => {
    sim = await startAcsSimulator();
    webhook = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        deliveries.push({ headers: req.headers, body: Buffer.concat(chunks).toString() });
        res.writeHead(200, { "Content-Type": "text/plain" }).end("ok");
      });
    });
    await new Promise<void>((resolve) => webhook.listen(0, "127.0.0.1", resolve));
    webhookUrl = `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/api/recordings`;
  });
  afterAll(async () => {
    await sim.close();
    await new Promise((resolve) => webhook.close(resolve));
  });

  it("builds a GA Event Grid event whose chunk locations are downloadable", async () => {
    const event = sim.recordingEvent({
      callId: "call-1",
      serverCallId: "server-call-1",
      recordingId: "rec-1",
      chunks: [
        { documentId: "ga-chunk-0", size: 4096 },
        { documentId: "ga-chunk-1", size: 1000 },
      ],
    });
    expect(event).toMatchObject({
      topic: DEFAULT_TOPIC,
      subject: "/recording/call/call-1/serverCallId/server-call-1/recordingId/rec-1",
      eventType: RECORDING_EVENT_TYPE,
      dataVersion: "1.0",
      metadataVersion: "1",
    });
    const chunks = event.data.recordingStorageInfo.recordingChunks;
    expect(chunks.map((chunk) => [chunk.documentId, chunk.index, chunk.endReason])).toEqual([
      ["ga-chunk-0", 0, "ChunkMaximumSizeExceeded"],
      ["ga-chunk-1", 1, "SessionEnded"],
    ]);
    const { contentLocation, metadataLocation, deleteLocation } = sim.urls("ga-chunk-0");
    expect(chunks[0]).toMatchObject({ contentLocation, metadataLocation, deleteLocation });
    expect(contentLocation.startsWith(`${sim.storageUrl}/v1/objects/ga-chunk-0/`)).toBe(true);
    expect(event.data).toMatchObject({
      recordingContentType: "AudioVideo",
      recordingChannelType: "Mixed",
      recordingFormatType: "Mp4",
      sessionEndReason: "CallEnded",
      recordingDurationMs: 60_000,
    });
    expect(sim.document("ga-chunk-1")?.size).toBe(1000);
    const metadata = JSON.parse(sim.metadataBytes("ga-chunk-1").toString()) as Record<string, unknown>;
    expect(metadata).toMatchObject({ callId: "call-1", chunkIndex: 1, chunkDocumentId: "ga-chunk-1" });

    const sdk = new SdkSigningClient(sim.accessKey, sim.endpointUrl);
    const media = await sdk.storage("GET", chunks[1]?.contentLocation ?? "");
    expect(media.body.equals(sim.contentRange("ga-chunk-1", 0, 1000))).toBe(true);

    const [parsed] = await new EventGridDeserializer().deserializeEventGridEvents(JSON.stringify([event]));
    expect(parsed && isSystemEvent("Microsoft.Communication.RecordingFileStatusUpdated", parsed)).toBe(true);
  });

  it("builds the 2021 preview shape: chunks with documentId, index and endReason only", () => {
    const event = sim.recordingEvent({
      era: "preview",
      callId: "call-2",
      chunks: [{ documentId: "preview-0", size: 10 }],
    });
    expect(event.subject).toBe("/recording/call/call-2");
    expect(event.data.recordingStorageInfo.recordingChunks).toEqual([
      { documentId: "preview-0", index: 0, endReason: "SessionEnded" },
    ]);
    expect(Object.keys(event.data).sort()).toEqual(
      ["recordingDurationMs", "recordingStartTime", "recordingStorageInfo", "sessionEndReason"].sort(),
    );
  });

  it("builds CloudEvents 1.0 envelopes and every subject shape", async () => {
    const event: CloudEvent = sim.recordingEvent({
      schema: "cloudevents",
      subjectShape: "recordingId",
      callId: "call-3",
      recordingId: "rec-3",
      id: "event-3",
      eventTime: "2024-05-01T10:00:00.000Z",
      chunks: [{ documentId: "audio-0", size: 100, format: "wav", index: 7, endReason: "SessionEnded" }],
    });
    expect(event).toMatchObject({
      id: "event-3",
      source: DEFAULT_TOPIC,
      type: RECORDING_EVENT_TYPE,
      time: "2024-05-01T10:00:00.000Z",
      specversion: "1.0",
      subject: "/recording/call/call-3/recordingId/rec-3",
    });
    expect(event.data.recordingFormatType).toBe("Wav");
    expect(event.data.recordingContentType).toBe("Audio");
    expect(event.data.recordingStorageInfo.recordingChunks[0]?.index).toBe(7);
    expect(event.data.recordingStartTime < "2024-05-01T10:00:00.000Z").toBe(true);
    const [parsed] = await new EventGridDeserializer().deserializeCloudEvents(JSON.stringify([event]));
    expect(parsed?.type).toBe(RECORDING_EVENT_TYPE);
    const shapes = (["call", "recordingId", "serverCallId"] as const).map(
      (subjectShape) =>
        sim.recordingEvent({ subjectShape, callId: "c", chunks: [{ documentId: "shape", size: 1 }] }).subject,
    );
    expect(shapes[0]).toBe("/recording/call/c");
    expect(shapes[1]).toMatch(/^\/recording\/call\/c\/recordingId\/[^/]+$/);
    expect(shapes[2]).toMatch(/^\/recording\/call\/c\/serverCallId\/[A-Za-z0-9_-]+\/recordingId\/[^/]+$/);
  });

  it("posts Event Grid batches with aeg-event-type: Notification, and CloudEvents batches", async () => {
    const event: EventGridEvent = sim.recordingEvent({ chunks: [{ documentId: "posted-0", size: 10 }] });
    const result = await sim.postEvents(webhookUrl, [event], { headers: { "x-extra": "1" } });
    expect(result).toEqual({ status: 200, body: "ok" });
    const delivered = deliveries.at(-1);
    expect(delivered?.headers["aeg-event-type"]).toBe("Notification");
    expect(delivered?.headers["content-type"]).toBe("application/json");
    expect(delivered?.headers["x-extra"]).toBe("1");
    expect(JSON.parse(delivered?.body ?? "")).toEqual([event]);
    const cloud = sim.recordingEvent({ schema: "cloudevents", chunks: [{ documentId: "posted-1", size: 10 }] });
    await sim.postEvents(webhookUrl, [cloud]);
    expect(deliveries.at(-1)?.headers["content-type"]).toMatch(/^application\/cloudevents-batch\+json/);
  });

  it("lets other modules add authenticated routes to the endpoint", async () => {
    sim.addEndpointRoute((req, res, body) => {
      if (!req.url?.startsWith("/calling/recordings")) return false;
      res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ echoed: body.toString() }));
      return true;
    });
    const sdk = new SdkSigningClient(sim.accessKey, sim.endpointUrl);
    const handled = await sdk.getPreview2021(`${sim.endpointUrl}/calling/recordings?api-version=2023-10-03`);
    expect(handled.status).toBe(200);
    expect(JSON.parse(handled.body.toString())).toEqual({ echoed: "" });
    expect(sim.counters.totals.endpointRouteRequests).toBe(1);
    expect(sim.requests.at(-1)).toMatchObject({ status: 200, authorized: true, listener: "endpoint" });
    expect((await fetch(`${sim.endpointUrl}/calling/recordings`)).status).toBe(401);
  });
});
