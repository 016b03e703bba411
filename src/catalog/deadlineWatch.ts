import type { ContainerClient } from "@azure/storage-blob";
import { describeError } from "../errors";
import { chunkKey } from "../queue/chunkMessage";
import type { Log } from "../shared/log";
import { mapConcurrent } from "../shared/mapConcurrent";
import { archiverMetrics } from "../telemetry/archiverMetrics";
import { inSpan } from "../telemetry/spans";
import {
  ARCHIVE_EVENT_TYPES,
  inLastQuarter,
  recordingDeadlineAtRiskEvent,
  recordingSubjectOf,
  type ArchiveEvent,
  type ChunkAtRisk,
} from "./archiveEvents";
import { blobNamePages } from "./boundedReads";
import type { CallStatusReader, RecordingReading } from "./callStatus";
import { deadlineHourFolder, deadlineHoursBetween, recordingFolderOfMarker } from "./deadlineMarkers";
import type { ArchiveEventSink } from "./eventPublisher";

/** What one run of the watch found (counts only: no ids, no participants). */
export interface DeadlineWatchResult {
  /** Recordings read this run (markers in the watched hours, at most `maxRecordings`). */
  readonly recordings: number;
  /** Chunks those recordings' intake traces listed (first and later events; at most about `maxChunks`). */
  readonly chunks: number;
  /** Chunks pending with a quarter of their window or less left. */
  readonly atRisk: number;
  /** Recordings with at least one such chunk: one RecordingDeadlineAtRisk each (at most `maxEvents`). */
  readonly atRiskRecordings: number;
  readonly published: number;
  /** Events not published this run (the next run publishes them again, same ids). */
  readonly unpublished: number;
  /** Recordings whose status could not be read this run. */
  readonly unreadable: number;
  /** True when a bound ended the run early: more may be due than were checked (the earliest deadlines come first). */
  readonly truncated: boolean;
}

export interface DeadlineWatchDependencies {
  readonly container: ContainerClient;
  readonly status: CallStatusReader;
  readonly events: ArchiveEventSink;
  /** RETENTION_HOURS: the watch looks at deadlines up to a quarter of it ahead. */
  readonly retentionHours: number;
  readonly now?: () => Date;
  /** Per run: at most this many recordings read, this many expected chunks examined, this many events published. */
  readonly maxRecordings?: number;
  readonly maxChunks?: number;
  readonly maxEvents?: number;
}

const MAX_RECORDINGS_PER_RUN = 2_000;
/** A real recording has a handful of chunks; 20,000 covers 2,000 recordings of ten. */
const MAX_CHUNKS_PER_RUN = 20_000;
/** One event per recording at risk. */
const MAX_EVENTS_PER_RUN = 1_000;
/** Recordings read at a time; each reading is reduced to its event before the next starts, so memory stays flat. */
const READ_CONCURRENCY = 4;
/** Recordings read between two checks of the bounds. */
const READ_BATCH = 16;
/** One publish carries at most this many events and this many bytes (Event Grid takes 1 MB per request). */
const EVENTS_PER_PUBLISH = 100;
const BYTES_PER_PUBLISH = 512 * 1024;

/** What one recording's reading leaves behind: counts and, when chunks are at risk, its one event. */
interface RecordingVerdict {
  readonly chunks: number;
  readonly atRisk: number;
  readonly event?: ArchiveEvent;
}

/**
 * The deadline watch (timer): finds chunks that intake expected and nobody archived, with a quarter of their window or
 * less left — also those whose message is never delivered — and publishes ONE RecordingDeadlineAtRisk per recording,
 * listing them. It walks the deadline hours from now to a quarter of RETENTION_HOURS ahead (deadlineMarkers.ts),
 * earliest first, one listing page at a time, and decides per recording with the status API's reading (lean: no
 * failure record bodies; a recording with its manifest, or every chunk archived, is done). Memory stays flat: at most
 * READ_CONCURRENCY readings at once, each reduced to its event, and events published in batches as they come. Every
 * run is bounded by recordings, chunks and events (`truncated` and a warning say when a bound ended it). Runs again
 * publish again, with the same ids while the set of chunks at risk is the same (consumers drop duplicates).
 */
export class DeadlineWatch {
  private readonly now: () => Date;

  constructor(private readonly deps: DeadlineWatchDependencies) {
    this.now = deps.now ?? (() => new Date());
  }

  async run(log: Log): Promise<DeadlineWatchResult> {
    return inSpan("Deadline watch", {}, async () => {
      const now = this.now();
      const bounds = {
        recordings: this.deps.maxRecordings ?? MAX_RECORDINGS_PER_RUN,
        chunks: this.deps.maxChunks ?? MAX_CHUNKS_PER_RUN,
        events: this.deps.maxEvents ?? MAX_EVENTS_PER_RUN,
      };
      const tally = {
        recordings: 0,
        chunks: 0,
        atRisk: 0,
        atRiskRecordings: 0,
        published: 0,
        unpublished: 0,
        unreadable: 0,
      };
      const seen = new Set<string>();
      const outbox: ArchiveEvent[] = [];
      let outboxBytes = 0;
      const flush = async (): Promise<void> => {
        const batch = outbox.splice(0);
        outboxBytes = 0;
        if (batch.length === 0) return;
        const sent = await this.publish(batch, log);
        tally.published += sent;
        tally.unpublished += batch.length - sent;
      };
      const exhausted = (): boolean =>
        tally.recordings >= bounds.recordings ||
        tally.chunks >= bounds.chunks ||
        tally.atRiskRecordings >= bounds.events;
      let truncated = false;
      const horizon = new Date(now.getTime() + (this.deps.retentionHours / 4) * 3_600_000);
      hours: for (const hour of deadlineHoursBetween(now, horizon)) {
        for await (const names of blobNamePages(this.deps.container, deadlineHourFolder(hour))) {
          const folders = names
            .map(recordingFolderOfMarker)
            .filter((folder): folder is string => folder !== undefined && !seen.has(folder));
          for (let start = 0; start < folders.length; start += READ_BATCH) {
            if (exhausted()) {
              truncated = true;
              break hours;
            }
            const candidates = folders.slice(start, start + READ_BATCH);
            const batch = candidates.slice(0, bounds.recordings - tally.recordings);
            if (batch.length < candidates.length) truncated = true;
            for (const folder of batch) seen.add(folder);
            const verdicts = await mapConcurrent(batch, READ_CONCURRENCY, async (folder) =>
              this.verdict(await this.deps.status.readRecording(folder, { lean: true }), now),
            );
            tally.recordings += batch.length;
            for (const verdict of verdicts) {
              if (verdict.status === "rejected") {
                tally.unreadable++;
                log.warn(`Deadline watch: a recording's status could not be read: ${describeError(verdict.reason)}`);
                continue;
              }
              tally.chunks += verdict.value.chunks;
              if (!verdict.value.event) continue;
              if (tally.atRiskRecordings >= bounds.events) {
                truncated = true;
                continue;
              }
              tally.atRisk += verdict.value.atRisk;
              tally.atRiskRecordings++;
              if (!this.deps.events.enabled) continue;
              const bytes = Buffer.byteLength(JSON.stringify(verdict.value.event));
              if (outbox.length >= EVENTS_PER_PUBLISH || outboxBytes + bytes > BYTES_PER_PUBLISH) await flush();
              outbox.push(verdict.value.event);
              outboxBytes += bytes;
            }
          }
        }
      }
      await flush();
      archiverMetrics().chunksAtRisk.add(tally.atRisk);
      const result: DeadlineWatchResult = { ...tally, truncated };
      const line =
        `Deadline watch: ${result.atRisk} chunk(s) not archived with a quarter of their window or less left, in ${result.atRiskRecordings} of ` +
        `${result.recordings} recording(s) due within ${this.deps.retentionHours / 4} h (${result.chunks} chunk(s) examined); ` +
        (this.deps.events.enabled
          ? `${result.published} ${ARCHIVE_EVENT_TYPES.recordingDeadlineAtRisk} event(s) published, ${result.unpublished} not`
          : "no event sink configured (ARCHIVE_EVENTS_ENDPOINT)") +
        `; ${result.unreadable} unreadable; truncated: ${truncated}` +
        (truncated
          ? ` (bounds per run: ${bounds.recordings} recordings, ${bounds.chunks} chunks, ${bounds.events} events)`
          : "") +
        ".";
      if (result.atRisk > 0 || result.unreadable > 0 || truncated) log.warn(line);
      else log.info(line);
      return result;
    });
  }

  /**
   * One recording's reading reduced to counts and, when chunks are pending in their window's last quarter, its event:
   * chunks of the first trace and of later events alike, never an erased one (its state is `erased`, not `pending`).
   */
  private verdict({ status, traces }: RecordingReading, now: Date): RecordingVerdict {
    // Each traced chunk's event time and resource, from the trace that names it (the first trace's first).
    const traced = new Map<string, { eventTime: string; acsResource: string | null }>();
    for (const trace of [...(traces.first ? [traces.first] : []), ...traces.later])
      for (const chunk of trace.chunks)
        if (!traced.has(chunk.documentId))
          traced.set(chunk.documentId, { eventTime: chunk.eventTime, acsResource: trace.acsResource });
    const chunks = traced.size;
    if (status.complete || chunks === 0) return { chunks, atRisk: 0 };
    const atRisk: ChunkAtRisk[] = status.chunks
      .filter(
        (chunk): chunk is typeof chunk & { index: number; deadline: string } =>
          chunk.state === "pending" &&
          chunk.index !== null &&
          chunk.deadline !== null &&
          inLastQuarter(chunk.deadline, traced.get(chunk.documentId)?.eventTime ?? "", now),
      )
      .map((chunk) => ({
        chunkKey: chunkKey(
          traced.get(chunk.documentId)?.acsResource ?? status.acsResource ?? "",
          chunk.documentId,
          chunk.index,
        ),
        callId: status.callId,
        serverCallId: status.serverCallId,
        recordingId: status.recordingId,
        index: chunk.index,
        documentId: chunk.documentId,
        deadline: chunk.deadline,
      }));
    if (atRisk.length === 0) return { chunks, atRisk: 0 };
    const subject = recordingSubjectOf(status, traced.get(atRisk[0]?.documentId ?? "")?.eventTime ?? "");
    return { chunks, atRisk: atRisk.length, event: recordingDeadlineAtRiskEvent(status, atRisk, subject, now) };
  }

  /** Publishes one batch; a failed batch is logged and left for the next run (same ids). Returns how many went out. */
  private async publish(events: readonly ArchiveEvent[], log: Log): Promise<number> {
    try {
      await this.deps.events.publish(events);
      return events.length;
    } catch (error) {
      log.warn(`Deadline watch: ${describeError(error)} The next run publishes them again, with the same ids.`);
      return 0;
    }
  }
}
