// Integration tier. Needs: Azurite, the ACS simulator.
import { describe, expect, inject, it } from "vitest";
import { requeuePlan } from "../../src/pipeline/requeuePlan";
import { deadlineAtRisk, notFoundMeansExpired } from "../../src/archive/retention";
import { parseConfig } from "../../src/config/appConfig";
import type { ChunkMessage } from "../../src/queue/chunkMessage";
import { archiveHarness } from "../support/archiveHarness";
import { capturingContext, TEST_ACS_CONNECTION_STRING } from "../support/testSettings";
import { useAcsSimulator } from "../support/useAcsSimulator";

// Retention: 24 h by default; the deadline drives urgency, warnings and records, never
// a reason to stop while ACS serves the chunk; a 404 is `expired` only near or after the deadline.

const HOUR = 3_600_000;
const NOW = new Date("2026-11-29T12:00:00Z");
const at = (hoursFromNow: number): string => new Date(NOW.getTime() + hoursFromNow * HOUR).toISOString();

const sim = useAcsSimulator();

describe("the retention window", () => {
  it("defaults to 24 hours (today's ACS documentation)", () => {
    expect(
      parseConfig({
        AzureWebJobsStorage: "UseDevelopmentStorage=true",
        ACS_CONNECTION_STRING: TEST_ACS_CONNECTION_STRING,
      }).retentionHours,
    ).toBe(24);
  });

  it("warns of the deadline once a quarter of a 24 h window is left, not before", () => {
    expect(deadlineAtRisk(at(12), NOW, 24)).toBeUndefined();
    expect(deadlineAtRisk(at(6.5), NOW, 24)).toBeUndefined();
    expect(deadlineAtRisk(at(5.5), NOW, 24)).toBe("5.5 h left");
    expect(deadlineAtRisk(at(-1), NOW, 24)).toBe("1.0 h past");
  });

  it("reads a 404 as expired only near or after the deadline", () => {
    expect(notFoundMeansExpired(at(2), NOW)).toBe(false);
    expect(notFoundMeansExpired(at(0.1), NOW)).toBe(true);
    expect(notFoundMeansExpired(at(-3), NOW)).toBe(true);
  });

  it("keeps re-queuing at and past the deadline, never sooner than a minute, and stops a day past it", () => {
    const message = (deadline: string, redelivery = 0): ChunkMessage => ({ deadline, redelivery }) as ChunkMessage;
    expect(requeuePlan(message(at(12)), NOW)).toMatchObject({ worthIt: true, delaySeconds: 300 });
    expect(requeuePlan(message(at(0.01)), NOW)).toMatchObject({ worthIt: true, delaySeconds: 60 });
    expect(requeuePlan(message(at(-5), 6), NOW)).toMatchObject({ worthIt: true, delaySeconds: 3600 });
    expect(requeuePlan(message(at(-24)), NOW).worthIt).toBe(false);
  });
});

describe("the archiver and the deadline", () => {
  it.each([
    ["two hours before the deadline: transient", 2, "retry"],
    ["ten minutes before the deadline: expired", 10 / 60, "expired"],
    ["after the deadline: expired", -1, "expired"],
  ])("a 404 %s", async (label, hoursLeft, status) => {
    const documentId = `doc-404-${label.replace(/\W+/g, "-")}`;
    const harness = archiveHarness(sim, inject("azuriteConnectionString"));
    sim.addDocument(documentId, { size: 1000, faults: [{ kind: "expired", target: "any" }] });
    const [message] = harness.messagesFor({
      callId: `call-${documentId}`,
      eventTime: new Date(Date.now() - (24 - hoursLeft) * HOUR).toISOString(),
      chunks: [{ documentId, size: 1000 }],
    });
    const { context } = capturingContext();
    expect((await harness.job.run(message, context)).status).toBe(status);
  });

  it.each([
    [20, 1],
    [10, 0],
  ])(
    "with %i hours of a 24 h window gone, retries in one invocation give %i deadline warning(s)",
    async (hoursGone, warnings) => {
      const documentId = `doc-warn-${hoursGone}`;
      const harness = archiveHarness(sim, inject("azuriteConnectionString"));
      sim.addDocument(documentId, { size: 1000, faults: [{ kind: "status", status: 503, times: 3 }] });
      const [message] = harness.messagesFor({
        callId: `call-${documentId}`,
        eventTime: new Date(Date.now() - hoursGone * HOUR).toISOString(),
        chunks: [{ documentId, size: 1000 }],
      });
      const { context, logs } = capturingContext();
      expect((await harness.job.run(message, context)).status).toBe("archived");
      expect(logs.filter((line) => line.message.includes("close to its retention deadline"))).toHaveLength(warnings);
    },
  );
});
