import type { ChunkMessage } from "../events/chunkMessage";
import { archiverMetrics } from "../telemetry/archiverMetrics";
import { inSpan } from "../telemetry/spans";
import type { ExpectedRecords, TraceSummary } from "./expectedRecords";

/** What intake made of one delivery. */
export interface IntakeOutcome {
  readonly messages: readonly ChunkMessage[];
  readonly accepted: number;
  readonly ignored: number;
  readonly rejected: number;
}

const NO_TRACES: TraceSummary = { recordings: 0, laterEvents: 0, otherResource: 0 };

/** Intake's one call into the catalog: counts the events and writes each recording's traces (expected record, later events). */
export class IntakeCatalog {
  constructor(private readonly expected: ExpectedRecords) {}

  async received(outcome: IntakeOutcome, deadline?: AbortSignal): Promise<TraceSummary> {
    const counter = archiverMetrics().eventsReceived;
    if (outcome.accepted > 0) counter.add(outcome.accepted, { result: "accepted" });
    if (outcome.rejected > 0) counter.add(outcome.rejected, { result: "rejected" });
    if (outcome.ignored > 0) counter.add(outcome.ignored, { result: "ignored" });
    if (outcome.messages.length === 0) return NO_TRACES;
    return inSpan("Storage write expected records", { "archiver.chunks.count": outcome.messages.length }, () =>
      this.expected.write(outcome.messages, deadline),
    );
  }
}
