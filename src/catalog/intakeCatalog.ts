import type { ChunkMessage } from "../queue/chunkMessage";
import { mapConcurrent } from "../shared/mapConcurrent";
import { storageFailure } from "../storage/storageDeadline";
import { archiverMetrics } from "../telemetry/archiverMetrics";
import { inSpan } from "../telemetry/spans";
import { chunkBlobNames } from "../layout/blobLayout";
import type { ExpectedRecords, TraceSummary } from "./expectedRecords";
import { QueuedChunks } from "./queuedChunks";
import type { AbortOptions } from "../shared/cancellation";

/** What intake made of one delivery's events. */
export interface IntakeCounts {
  readonly accepted: number;
  readonly ignored: number;
  readonly rejected: number;
}

const NO_TRACES: TraceSummary = { recordings: 0, laterEvents: 0, otherResource: 0, seenBefore: new Set() };

/** Listings of queued records in flight per delivery (one per recording seen before). */
const LISTING_CONCURRENCY = 16;

/**
 * Intake's calls into the catalog: counts the events, writes each recording's traces (expected record, later events)
 * and deadline markers before any of its chunks is queued, and keeps enqueueing idempotent across redeliveries with
 * one queued record per chunk (src/catalog/queuedChunks.ts).
 */
export class IntakeCatalog {
  constructor(
    private readonly expected: ExpectedRecords,
    private readonly queued: QueuedChunks,
    private readonly now: () => Date = () => new Date(),
  ) {}

  counted(counts: IntakeCounts): void {
    const counter = archiverMetrics().eventsReceived;
    if (counts.accepted > 0) counter.add(counts.accepted, { result: "accepted" });
    if (counts.rejected > 0) counter.add(counts.rejected, { result: "rejected" });
    if (counts.ignored > 0) counter.add(counts.ignored, { result: "ignored" });
  }

  /**
   * Writes the traces of every recording among `messages` (expected.json for its first event, a later trace for any
   * other event: intakeTraces.ts) and its deadline markers, so that a chunk shows as pending, and is known to the
   * catalog, before its message can be archived; then returns the messages no earlier attempt has queued. Only a
   * recording whose expected record was already there can have queued chunks (records are written after sends, sends
   * after the expected record): its queued records are listed once; any other recording's chunks all go out. A
   * listing that misses a record only re-sends a chunk, which the archiver takes as a no-op. Throws
   * StorageUnavailableError.
   */
  async unqueued(
    messages: readonly ChunkMessage[],
    { abortSignal: deadline }: AbortOptions = {},
  ): Promise<{ pending: ChunkMessage[]; traces: TraceSummary }> {
    if (messages.length === 0) return { pending: [], traces: NO_TRACES };
    // One listing per recording seen before, shared by the traces (an event whose chunks are all recorded as queued was
    // traced before) and the choice of what to send.
    const listings = new Map<string, Promise<Set<string>>>();
    const queuedIn = (folder: string): Promise<Set<string>> => {
      let listing = listings.get(folder);
      if (!listing) {
        listing = this.queued.recordNames(folder, { abortSignal: deadline }).catch((error: unknown) => {
          throw storageFailure("Could not list the chunks queued before", error);
        });
        listings.set(folder, listing);
      }
      return listing;
    };
    const traces = await inSpan("Storage write expected records", { "archiver.chunks.count": messages.length }, () =>
      this.expected.write(messages, {
        abortSignal: deadline,
        tracedBefore: async (folder, events) => {
          const names = await queuedIn(folder);
          return events.map((event) => event.every((message) => names.has(QueuedChunks.recordName(message))));
        },
      }),
    );
    const { seenBefore } = traces;
    if (seenBefore.size === 0) return { pending: [...messages], traces };
    const listed = await mapConcurrent([...seenBefore], LISTING_CONCURRENCY, queuedIn, {
      ...(deadline ? { abortSignal: deadline } : {}),
    });
    const queued = new Set<string>();
    for (const result of listed) {
      if (result.status === "rejected") throw result.reason;
      for (const name of result.value) queued.add(name);
    }
    const pending = messages.filter(
      (message) => !(seenBefore.has(chunkBlobNames(message).folder) && queued.has(QueuedChunks.recordName(message))),
    );
    return { pending, traces };
  }

  /** After a chunk's message was sent: its queued record (with its anomalies). Throws StorageUnavailableError. */
  async recordQueued(message: ChunkMessage, { abortSignal: deadline }: AbortOptions = {}): Promise<void> {
    try {
      await this.queued.recordQueued(message, this.now(), { abortSignal: deadline });
    } catch (error) {
      throw storageFailure(`Could not record chunk ${message.chunkKey} as queued`, error);
    }
  }
}
