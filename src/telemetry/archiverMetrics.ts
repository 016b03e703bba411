import { metrics, type Counter, type Histogram, type MeterProvider } from "@opentelemetry/api";

/** The meter every archiver metric comes from. */
const METER_NAME = "recording-archiver";

/**
 * The archiver's metrics (OpenTelemetry API only: with no SDK registered every call is a no-op).
 * Attributes are fixed, low-cardinality words (outcome, result): never ids, participants or secrets.
 */
export interface ArchiverMetrics {
  readonly chunksArchived: Counter;
  readonly bytesArchived: Counter;
  readonly chunkDuration: Histogram;
  readonly deadlineMargin: Histogram;
  readonly chunksFailed: Counter;
  readonly bytesRedownloaded: Counter;
  readonly eventsReceived: Counter;
  readonly chunksAtRisk: Counter;
  readonly memoryWait: Histogram;
  readonly chunksErasedSkipped: Counter;
}

// The metrics API has no proxy provider: instruments made before an SDK registers stay no-ops. So
// they are made per registered provider, on first use.
const byProvider = new WeakMap<MeterProvider, ArchiverMetrics>();

export function archiverMetrics(): ArchiverMetrics {
  const provider = metrics.getMeterProvider();
  let found = byProvider.get(provider);
  if (!found) {
    const meter = provider.getMeter(METER_NAME);
    found = {
      chunksArchived: meter.createCounter("archiver.chunks.archived", {
        description: "Chunks archived (or found archived), by outcome.",
      }),
      bytesArchived: meter.createCounter("archiver.bytes.archived", {
        description: "Media bytes committed to the archive.",
        unit: "By",
      }),
      chunkDuration: meter.createHistogram("archiver.chunk.duration", {
        description: "Time to archive one chunk in one invocation.",
        unit: "s",
      }),
      deadlineMargin: meter.createHistogram("archiver.deadline.margin", {
        description: "Time left before the retention deadline when a chunk was archived.",
        unit: "h",
      }),
      chunksFailed: meter.createCounter("archiver.chunks.failed", {
        description: "Chunks recorded as not archived, by outcome.",
      }),
      bytesRedownloaded: meter.createCounter("archiver.bytes.redownloaded", {
        description: "Bytes received from ACS beyond the chunk's size in one invocation (ranges fetched again).",
        unit: "By",
      }),
      eventsReceived: meter.createCounter("archiver.events.received", {
        description: "Recording events received by intake, by result (accepted, rejected, ignored).",
      }),
      chunksAtRisk: meter.createCounter("archiver.chunks.atrisk", {
        description:
          "Chunks the deadline watch found not archived with a quarter of their window or less left (counted on every run).",
      }),
      memoryWait: meter.createHistogram("archiver.memory.wait", {
        description: "Time a chunk waited to be admitted to the process's memory budget (ARCHIVE_MEMORY_BUDGET).",
        unit: "s",
      }),
      chunksErasedSkipped: meter.createCounter("archiver.chunks.erasedskipped", {
        description:
          "Chunks not queued or not archived because a data-subject erasure removed them, by where (intake, archive).",
      }),
    };
    byProvider.set(provider, found);
  }
  return found;
}
