// Integration tier. Needs: Azurite, the ACS simulator, loopback servers.
import { metrics, trace } from "@opentelemetry/api";
import {
  MeterProvider,
  MetricReader,
  type DataPoint,
  type Histogram,
  type ResourceMetrics,
} from "@opentelemetry/sdk-metrics";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServices, type AppServices } from "../../src/app/services";
import { parseConfig } from "../../src/config/appConfig";
import { readEnvelope } from "../../src/events/eventEnvelope";
import { chunkMessagesFromEvent } from "../../src/events/recordingEvent";
import { startAcsSimulator, DEFAULT_TOPIC, type AcsSimulator } from "../../tools/acsSimulator";
import { startEventReceiver, type EventReceiver } from "../../tools/eventReceiver";
import { otherAcsEvent } from "../support/recordingEvents";
import { capturingContext, uniqueName, simSettings } from "../support/testSettings";

/** Collects on demand (no timer): the test reads exactly what the archiver recorded. */
class TestReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

const reader = new TestReader();
const spans = new InMemorySpanExporter();
metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }));

let sim: AcsSimulator;
let receiver: EventReceiver;
let services: AppServices;
const participant = "8:acs:telemetry-secret-participant";

beforeAll(async () => {
  [sim, receiver] = await Promise.all([startAcsSimulator(), startEventReceiver()]);
  services = createServices(
    parseConfig(
      simSettings(sim, {
        CHUNK_QUEUE: uniqueName("tel-chunks"),
        RECORDINGS_CONTAINER: uniqueName("tel"),
        DOWNLOAD_BLOCK_SIZE: "256KiB",
        RETENTION_HOURS: "48",
        ARCHIVE_EVENTS_ENDPOINT: receiver.endpoint,
        ARCHIVE_EVENTS_KEY: receiver.key,
      }),
    ),
  );
});
afterAll(async () => Promise.all([sim.close(), receiver.close()]));

async function collected(): Promise<Map<string, { points: DataPoint<number | Histogram>[] }>> {
  const { resourceMetrics } = (await reader.collect()) as { resourceMetrics: ResourceMetrics };
  const found = new Map<string, { points: DataPoint<number | Histogram>[] }>();
  for (const scope of resourceMetrics.scopeMetrics) {
    for (const metric of scope.metrics)
      found.set(metric.descriptor.name, { points: metric.dataPoints as DataPoint<number | Histogram>[] });
  }
  return found;
}

function sum(
  points: readonly DataPoint<number | Histogram>[] | undefined,
  attributes: Record<string, string> = {},
): number {
  return (points ?? [])
    .filter((point) => Object.entries(attributes).every(([key, value]) => point.attributes[key] === value))
    .reduce((total, point) => total + (typeof point.value === "number" ? point.value : point.value.count), 0);
}

describe("telemetry through the OpenTelemetry API, read with in-memory exporters", () => {
  it("counts events at intake, and chunks, bytes, durations, margins and failures at the archiver, with spans around ACS and Storage", async () => {
    sim.addDocument("tel-doc-0", { size: 600_000, metadata: { participants: [{ participantId: participant }] } });
    sim.addDocument("tel-doc-1", { size: 1_000, faults: [{ kind: "status", status: 400 }] });
    const good = sim.recordingEvent({ callId: "tel-call", chunks: [{ documentId: "tel-doc-0", size: 600_000 }] });
    const bad = sim.recordingEvent({ callId: "tel-call-bad", chunks: [{ documentId: "tel-doc-1", size: 1_000 }] });
    const forged = sim.recordingEvent({
      callId: "tel-forged",
      topic: `${DEFAULT_TOPIC}-other`,
      chunks: [{ documentId: "tel-forged-0", size: 1 }],
    });
    const { context } = capturingContext();
    // One delivery: two recording events accepted, one other ACS event ignored, one broken event rejected.
    const report = await services.intake.receive(
      [good, bad, otherAcsEvent(), { ...forged, data: "broken" }],
      "test",
      context,
    );
    expect(report).toMatchObject({ accepted: 2, ignored: 1 });
    expect(report.rejected).toHaveLength(1);

    const [message] = chunkMessagesFromEvent(readEnvelope(good)!, services.config);
    const [failing] = chunkMessagesFromEvent(readEnvelope(bad)!, services.config);
    expect((await services.archiveJob.run(message, context)).status).toBe("archived");
    expect((await services.archiveJob.run(failing, context)).status).toBe("failed");

    const found = await collected();
    expect(sum(found.get("archiver.events.received")?.points, { result: "accepted" })).toBe(2);
    expect(sum(found.get("archiver.events.received")?.points, { result: "ignored" })).toBe(1);
    expect(sum(found.get("archiver.events.received")?.points, { result: "rejected" })).toBe(1);
    expect(sum(found.get("archiver.chunks.archived")?.points, { outcome: "archived" })).toBe(1);
    expect(sum(found.get("archiver.bytes.archived")?.points)).toBe(600_000);
    expect(sum(found.get("archiver.chunk.duration")?.points)).toBe(1);
    const margin = found.get("archiver.deadline.margin")?.points[0]?.value as Histogram;
    expect(margin.count).toBe(1);
    expect(margin.sum).toBeGreaterThan(40);
    expect(margin.sum).toBeLessThanOrEqual(48);
    expect(sum(found.get("archiver.chunks.failed")?.points, { outcome: "failed" })).toBe(1);
    expect(found.has("archiver.bytes.redownloaded")).toBe(true);
    // The archived chunk was admitted to the memory budget once (at once: nothing else was in flight).
    const waits = found.get("archiver.memory.wait")?.points[0]?.value as Histogram;
    expect(waits.count).toBe(1);
    expect(waits.sum).toBeLessThan(1);
    expect(sum(found.get("archiver.bytes.redownloaded")?.points)).toBe(0);

    const names = spans.getFinishedSpans().map((span) => span.name);
    for (const name of [
      "archive chunk",
      "ACS GET",
      "Storage write manifest",
      "Storage write expected records",
      "EventGrid publish",
    ])
      expect(names).toContain(name);
    // A recording of one chunk is complete with it: its manifest is written without listing the folder.
    expect(names).not.toContain("Storage list recording");
    const acs = spans.getFinishedSpans().filter((span) => span.name === "ACS GET");
    expect(acs.some((span) => span.attributes["http.response.status_code"] === 206)).toBe(true);
    expect(acs.some((span) => span.attributes["http.response.status_code"] === 400)).toBe(true);
    // No secrets and no participant ids in any attribute of any span or metric point.
    const everything = JSON.stringify([
      spans.getFinishedSpans().map((span) => [span.name, span.attributes]),
      [...found.values()].map((metric) => metric.points.map((point) => point.attributes)),
    ]);
    expect(everything).not.toContain(participant);
    expect(everything).not.toContain(sim.accessKey);
    expect(everything).not.toContain(receiver.key);
    expect(everything).not.toMatch(/AccountKey|Signature=|sig=/i);
  });
});
