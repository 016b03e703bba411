import type { EventGridEvent } from "@azure/functions";
import { describe, expect, it } from "vitest";
import { AppNotConfiguredError, InvalidDeliveryError, StorageUnavailableError } from "../../src/errors";
import { recordingEventsGrid } from "../../src/functions/recordingEventsGrid";
import type { IntakeReport, RecordingIntake } from "../../src/intake/recordingIntake";
import { fakeService, notConfigured } from "../support/handlerHarness";
import { capturingContext } from "../support/testSettings";

const REPORT: IntakeReport = {
  received: 1,
  accepted: 1,
  ignored: 0,
  enqueued: 1,
  alreadyQueued: 0,
  skippedErased: 0,
  rejectedCount: 0,
  rejected: [],
};

function gridEvent(id: string): EventGridEvent {
  return {
    id,
    eventType: "Microsoft.Communication.RecordingFileStatusUpdated",
    subject: "/recording/call/c/serverCallId/s",
    topic: "/subscriptions/x/resourceGroups/y/providers/Microsoft.Communication/communicationServices/z",
    data: {},
    eventTime: "2026-12-02T10:00:00Z",
    dataVersion: "1.0",
    metadataVersion: "1",
  };
}

function intakeOf(
  receive: () => Promise<IntakeReport>,
  quarantine: () => Promise<string> = () => Promise.resolve("kept.json"),
) {
  const calls = {
    received: [] as (readonly unknown[])[],
    quarantined: [] as { body: string; code: string; via: string }[],
  };
  const intake = fakeService<RecordingIntake>({
    receive: (events, via) => {
      expect(via).toBe("eventGridTrigger");
      calls.received.push(events);
      return receive();
    },
    rejectDelivery: (body, problem, via) => {
      calls.quarantined.push({ body, code: problem.code, via });
      return quarantine();
    },
  });
  return { lazy: () => intake, calls };
}

async function deliver(lazy: () => RecordingIntake, event: EventGridEvent | EventGridEvent[]): Promise<void> {
  // The handler's type is the library's one-event EventGridHandler; the host hands an array with cardinality "many".
  await recordingEventsGrid(lazy)(event as EventGridEvent, capturingContext("recordingEventsGrid").context);
}

describe("recordingEventsGrid: the Event Grid trigger's acknowledge-or-retry decisions", () => {
  it("hands one event to intake as a delivery of one, and completes (acknowledged)", async () => {
    const { lazy, calls } = intakeOf(() => Promise.resolve(REPORT));
    await deliver(lazy, gridEvent("e1"));
    expect(calls.received).toEqual([[gridEvent("e1")]]);
    expect(calls.quarantined).toEqual([]);
  });

  it("takes a batch (cardinality many) as it comes", async () => {
    const { lazy, calls } = intakeOf(() => Promise.resolve(REPORT));
    await deliver(lazy, [gridEvent("e1"), gridEvent("e2")]);
    expect(calls.received).toEqual([[gridEvent("e1"), gridEvent("e2")]]);
  });

  it("an event over a per-delivery bound is kept whole in quarantine and acknowledged (a retry could only be refused again)", async () => {
    const refusal = new InvalidDeliveryError("TooManyChunks", "too many chunks", {
      target: "INTAKE_MAX_CHUNKS_PER_DELIVERY",
    });
    const { lazy, calls } = intakeOf(() => Promise.reject(refusal));
    await deliver(lazy, gridEvent("e1"));
    expect(calls.quarantined).toEqual([
      { body: JSON.stringify(gridEvent("e1")), code: "TooManyChunks", via: "eventGridTrigger" },
    ]);
  });

  it("throws (Event Grid retries) when the refused event could not be quarantined", async () => {
    const refusal = new InvalidDeliveryError("TooManyChunks", "too many chunks");
    const down = new StorageUnavailableError("quarantine container did not answer");
    const { lazy } = intakeOf(
      () => Promise.reject(refusal),
      () => Promise.reject(down),
    );
    await expect(deliver(lazy, gridEvent("e1"))).rejects.toBe(down);
  });

  it("throws StorageUnavailableError as it came (Event Grid retries the delivery), quarantining nothing", async () => {
    const down = new StorageUnavailableError("The queue did not answer within the intake deadline.");
    const { lazy, calls } = intakeOf(() => Promise.reject(down));
    await expect(deliver(lazy, gridEvent("e1"))).rejects.toBe(down);
    expect(calls.quarantined).toEqual([]);
  });

  it("throws AppNotConfiguredError while a setting is bad (retried until it is fixed)", async () => {
    await expect(deliver(notConfigured<RecordingIntake>(), gridEvent("e1"))).rejects.toBeInstanceOf(
      AppNotConfiguredError,
    );
  });
});
