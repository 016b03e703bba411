import type { ContainerClient } from "@azure/storage-blob";
import { chunkBlobNames } from "../layout/blobLayout";
import { describeError, StorageUnavailableError } from "../errors";
import type { ChunkMessage } from "../queue/chunkMessage";
import { mapConcurrent } from "../shared/mapConcurrent";
import { isRecord } from "../shared/untrustedJson";
import { ensureOnce } from "../storage/ensureOnce";
import { readJsonBlob, writeJsonOnce } from "./boundedReads";
import { expectedRecordName } from "../layout/catalogLayout";
import { coversEvent, laterTraceName } from "./intakeTraces";
import { deadlineMarkers } from "./deadlineMarkers";
import { readRecordingInfo, recordingInfoOf, type RecordingInfo } from "./recordingInfo";
import type { AbortOptions } from "../shared/cancellation";

/** One chunk intake queued: what the status API reports as `pending` until it is archived. */
interface ExpectedChunk {
  readonly index: number;
  readonly documentId: string;
  /** eventTime + RETENTION_HOURS: ACS may delete the file after this. */
  readonly deadline: string;
  readonly eventTime: string;
  readonly mediaBlob: string;
  readonly metadataBlob: string;
}

/** `archive-catalog/<call>/<recording>/expected.json`, written once at intake. */
export interface ExpectedRecording extends RecordingInfo {
  readonly schemaVersion: 1;
  readonly recordingFolder: string;
  readonly eventId: string;
  readonly chunks: readonly ExpectedChunk[];
}

/** Expected records stay small: the event allows at most 1,000 chunks of a few hundred bytes. */
export const MAX_EXPECTED_RECORD_BYTES = 1024 * 1024;

function expectedRecordingOf(messages: readonly ChunkMessage[]): ExpectedRecording {
  const first = messages[0] as ChunkMessage;
  return {
    schemaVersion: 1,
    recordingFolder: chunkBlobNames(first).folder,
    eventId: first.eventId,
    ...recordingInfoOf(first),
    // One entry per documentId: a delivery may carry the same event twice.
    chunks: [...new Map(messages.map((message) => [message.documentId, message])).values()]
      .sort((a, b) => a.index - b.index)
      .map((message) => {
        const names = chunkBlobNames(message);
        return {
          index: message.index,
          documentId: message.documentId,
          deadline: message.deadline,
          eventTime: message.eventTime,
          mediaBlob: names.media,
          metadataBlob: names.metadata,
        };
      }),
  };
}

/** Reads an expected record back; undefined when it is not one. */
export function readExpectedRecording(value: unknown): ExpectedRecording | undefined {
  const info = readRecordingInfo(value);
  if (!info || !isRecord(value) || !Array.isArray(value["chunks"]) || typeof value["recordingFolder"] !== "string")
    return undefined;
  const chunks: ExpectedChunk[] = [];
  for (const chunk of value["chunks"]) {
    if (!isRecord(chunk)) continue;
    const { index, documentId, deadline, eventTime, mediaBlob, metadataBlob } = chunk;
    if (typeof index !== "number" || typeof documentId !== "string" || typeof deadline !== "string") continue;
    chunks.push({
      index,
      documentId,
      deadline,
      eventTime: textOrEmpty(eventTime),
      mediaBlob: textOrEmpty(mediaBlob),
      metadataBlob: textOrEmpty(metadataBlob),
    });
  }
  return {
    ...info,
    schemaVersion: 1,
    recordingFolder: value["recordingFolder"],
    eventId: textOrEmpty(value["eventId"]),
    chunks,
  };
}

/** A text field of our own record; anything else (absent, or not text) reads as "". */
function textOrEmpty(value: unknown): string {
  return typeof value === "string" ? value : "";
}

/**
 * The trace intake leaves for the status API: one small JSON blob per recording, named by the
 * recording's folder (stable), and its deadline markers (deadlineMarkers.ts, for the deadline watch), written with
 * `If-None-Match: *` (a redelivered event finds them there: idempotent, WORM-compatible), at most `concurrency`
 * writes at once, each with a Storage deadline.
 */
export class ExpectedRecords {
  private readonly ensureContainer: (options?: AbortOptions) => Promise<void>;

  constructor(
    private readonly container: ContainerClient,
    private readonly concurrency = 32,
  ) {
    this.ensureContainer = ensureOnce(async (signal) => {
      await container.createIfNotExists({ abortSignal: signal });
    });
  }

  /**
   * Writes the expected record of every recording among `messages` (its first event's trace) and, for an event after
   * the first, a later trace beside it (intakeTraces.ts) so that its chunks show as pending too; throws
   * StorageUnavailableError. `seenBefore` names the recordings whose expected record was already there (an earlier
   * delivery, or another event of the recording, wrote it): only those can have chunks queued before. For those,
   * `tracedBefore` (intake's queued records) may tell which events were taken in before: their traces are not read or
   * written again.
   */
  async write(
    messages: readonly ChunkMessage[],
    { abortSignal: deadline, tracedBefore }: AbortOptions & { tracedBefore?: TracedBefore } = {},
  ): Promise<TraceSummary> {
    if (messages.length === 0) return { recordings: 0, laterEvents: 0, otherResource: 0, seenBefore: new Set() };
    // Per recording folder, its events in delivery order (a delivery may carry several events of one recording).
    const byRecording = new Map<string, Map<string, ChunkMessage[]>>();
    for (const message of messages) {
      const folder = chunkBlobNames(message).folder;
      let events = byRecording.get(folder);
      if (!events) byRecording.set(folder, (events = new Map<string, ChunkMessage[]>()));
      const event = `${message.resource}\n${message.eventId}`;
      const group = events.get(event);
      if (group) group.push(message);
      else events.set(event, [message]);
    }
    try {
      await this.ensureContainer({ abortSignal: deadline });
    } catch (error) {
      throw new StorageUnavailableError(
        `Could not reach container ${this.container.containerName}: ${describeError(error)}`,
        { cause: error },
      );
    }
    const summary = { recordings: byRecording.size, laterEvents: 0, otherResource: 0 };
    const seenBefore = new Set<string>();
    // Each recording's traces, then its deadline markers (usually one), every recording under one bound. An event taken
    // in before (its chunks all recorded as queued) needs no marker: its markers were written before any of its chunks
    // was sent. So a redelivery costs a recording two requests (its expected record and the listing), not three.
    const writes: (() => Promise<unknown>)[] = [...byRecording].map(([folder, events]) => async () => {
      const groups = [...events.values()];
      const traced = await this.writeTraces(folder, groups, { abortSignal: deadline, tracedBefore });
      summary.laterEvents += traced.laterEvents;
      summary.otherResource += traced.otherResource;
      if (traced.seenBefore) seenBefore.add(folder);
      const markers = deadlineMarkers(
        folder,
        groups.filter((_, position) => traced.takenInBefore[position] !== true).flat(),
      );
      await Promise.all(
        markers.map((marker) =>
          writeJsonOnce(this.container, marker.name, marker.text, undefined, { abortSignal: deadline }),
        ),
      );
    });
    const results = await mapConcurrent(writes, this.concurrency, (write) => write(), {
      ...(deadline ? { abortSignal: deadline } : {}),
    });
    const failed = results.find((result): result is PromiseRejectedResult => result.status === "rejected");
    if (failed)
      throw new StorageUnavailableError(
        `Could not write an expected-chunks record, a trace or a deadline marker: ${describeError(failed.reason)}`,
        {
          cause: failed.reason,
        },
      );
    return { ...summary, seenBefore };
  }

  /**
   * The first event's trace is expected.json (written once: a blob already there is the same recording seen before);
   * any other event of the folder — a redelivery of the first one excepted — gets a later trace of its own. In a
   * folder seen before, an event `tracedBefore` knows was taken in before needs neither: its trace was written before
   * any of its chunks was sent (a redelivery costs no read of expected.json).
   */
  private async writeTraces(
    folder: string,
    events: readonly (readonly ChunkMessage[])[],
    { abortSignal: deadline, tracedBefore }: AbortOptions & { tracedBefore?: TracedBefore } = {},
  ): Promise<{ laterEvents: number; otherResource: number; seenBefore: boolean; takenInBefore: readonly boolean[] }> {
    const traces = events.map(expectedRecordingOf);
    const [head, ...rest] = traces;
    if (!head) return { laterEvents: 0, otherResource: 0, seenBefore: false, takenInBefore: [] };
    const name = expectedRecordName(folder);
    const written = await writeJsonOnce(this.container, name, JSON.stringify(head), undefined, {
      abortSignal: deadline,
    });
    const known = written || !tracedBefore ? [] : await tracedBefore(folder, events);
    const untraced = written ? rest : traces.filter((_, position) => known[position] !== true);
    if (untraced.length === 0) return { laterEvents: 0, otherResource: 0, seenBefore: !written, takenInBefore: known };
    const first = written
      ? head
      : readExpectedRecording(
          await readJsonBlob(this.container, name, MAX_EXPECTED_RECORD_BYTES, { abortSignal: deadline }),
        );
    // Side by side (at most `concurrency`): one delivery may name a recording in many events, and their traces written
    // one after another could outlast intake's deadline on every retry.
    const later = untraced.filter((trace) => !(first && coversEvent(first, trace)));
    const results = await mapConcurrent(
      later,
      this.concurrency,
      (trace) =>
        writeJsonOnce(
          this.container,
          laterTraceName(folder, trace),
          JSON.stringify({ ...trace, firstEventId: first?.eventId ?? null }),
          undefined,
          {
            abortSignal: deadline,
          },
        ),
      { ...(deadline ? { abortSignal: deadline } : {}) },
    );
    const failed = results.find((result): result is PromiseRejectedResult => result.status === "rejected");
    if (failed) throw failed.reason;
    const laterEvents = later.length;
    const otherResource = first ? later.filter((trace) => first.acsResource !== trace.acsResource).length : 0;
    return { laterEvents, otherResource, seenBefore: !written, takenInBefore: known };
  }
}

/**
 * For a recording seen before: whether each of its events in this delivery (its chunk messages) was taken in before,
 * so that its trace is there already. Intake answers from its queued records.
 */
export type TracedBefore = (
  folder: string,
  events: readonly (readonly ChunkMessage[])[],
) => Promise<readonly boolean[]>;

/** What intake's traces found in one delivery: counts, and which recordings it had seen before. */
export interface TraceSummary {
  readonly recordings: number;
  /** Events that named chunks of a recording whose first trace was another event's (later traces written). */
  readonly laterEvents: number;
  /** Of those, events from another ACS resource than the recording's first event. */
  readonly otherResource: number;
  /** The recordings (folders) whose expected record was there before this delivery: only they can have chunks queued. */
  readonly seenBefore: ReadonlySet<string>;
}
