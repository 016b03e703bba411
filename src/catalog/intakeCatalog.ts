import type { ChunkMessage } from "../events/chunkMessage";
import { archiverMetrics } from "../telemetry/archiverMetrics";
import { inSpan } from "../telemetry/spans";
import type { ExpectedRecords } from "./expectedRecords";

/** What intake made of one delivery. */
export interface IntakeOutcome {
  readonly messages: readonly ChunkMessage[];
  readonly accepted: number;
  readonly ignored: number;
  readonly rejected: number;
}

/** Intake's one call into the catalog: counts the events and writes each recording's expected record. */
export class IntakeCatalog {
  constructor(private readonly expected: ExpectedRecords) {}

  async received(outcome: IntakeOutcome, deadline?: AbortSignal): Promise<void> {
    const counter = archiverMetrics().eventsReceived;
    if (outcome.accepted > 0) counter.add(outcome.accepted, { result: "accepted" });
    if (outcome.rejected > 0) counter.add(outcome.rejected, { result: "rejected" });
    if (outcome.ignored > 0) counter.add(outcome.ignored, { result: "ignored" });
    if (outcome.messages.length === 0) return;
    await inSpan("Storage write expected records", { "archiver.chunks.count": outcome.messages.length }, () => this.expected.write(outcome.messages, deadline));
  }
}
