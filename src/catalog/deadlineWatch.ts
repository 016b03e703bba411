import type { ContainerClient } from "@azure/storage-blob";
import { describeError } from "../errors";
import { chunkKey } from "../events/chunkMessage";
import type { Log } from "../shared/log";
import { mapConcurrent } from "../shared/mapConcurrent";
import { archiverMetrics } from "../telemetry/archiverMetrics";
import { inSpan } from "../telemetry/spans";
import { ARCHIVE_EVENT_TYPES, chunkDeadlineAtRiskEvent, inLastQuarter, recordingSubjectOf, type ArchiveEvent } from "./archiveEvents";
import { listWithMetadata } from "./boundedReads";
import type { CallStatusReader, RecordingReading } from "./callStatus";
import { deadlineHourFolder, deadlineHoursBetween, recordingFolderOfMarker } from "./deadlineMarkers";
import type { ArchiveEventSink } from "./eventPublisher";

/** What one run of the watch found (counts only: no ids, no participants). */
export interface DeadlineWatchResult {
  /** Recordings whose markers fall in the watched hours (at most `maxRecordings`). */
  readonly recordings: number;
  /** Chunks pending with a quarter of their window or less left. */
  readonly atRisk: number;
  readonly published: number;
  /** Events not published this run (the next run publishes them again, same ids). */
  readonly unpublished: number;
  /** Recordings whose status could not be read this run. */
  readonly unreadable: number;
  /** True when the listing hit its bound: more recordings are due than were checked. */
  readonly truncated: boolean;
}

export interface DeadlineWatchDependencies {
  readonly container: ContainerClient;
  readonly status: CallStatusReader;
  readonly events: ArchiveEventSink;
  /** RETENTION_HOURS: the watch looks at deadlines up to a quarter of it ahead. */
  readonly retentionHours: number;
  readonly now?: () => Date;
  /** At most this many recordings per run (a listing bound). */
  readonly maxRecordings?: number;
}

const MAX_RECORDINGS_PER_RUN = 2_000;
const EVENTS_PER_PUBLISH = 100;

/**
 * The deadline watch (timer): finds chunks that intake expected and nobody archived, with a quarter of their
 * window or less left — also those whose message is never delivered — and publishes ChunkDeadlineAtRisk for each,
 * with the same id as the archiver's own. It lists only the deadline hours from now to a quarter of RETENTION_HOURS
 * ahead (deadlineMarkers.ts) and decides per recording with the status API's reading (a recording with its manifest,
 * or with every chunk archived, is done). Runs again publish again, with the same ids (consumers drop duplicates).
 */
export class DeadlineWatch {
  private readonly now: () => Date;

  constructor(private readonly deps: DeadlineWatchDependencies) {
    this.now = deps.now ?? (() => new Date());
  }

  async run(log: Log): Promise<DeadlineWatchResult> {
    return inSpan("Deadline watch", {}, async () => {
      const now = this.now();
      const { folders, truncated } = await this.dueRecordings(now);
      const read = await mapConcurrent(folders, 4, (folder) => this.deps.status.readRecording(folder));
      const events: ArchiveEvent[] = [];
      let unreadable = 0;
      for (const result of read) {
        if (result.status === "rejected") {
          unreadable++;
          log.warn(`Deadline watch: a recording's status could not be read: ${describeError(result.reason)}`);
          continue;
        }
        events.push(...this.atRisk(result.value, now));
      }
      archiverMetrics().chunksAtRisk.add(events.length);
      const published = this.deps.events.enabled ? await this.publish(events, log) : 0;
      const result = { recordings: folders.length, atRisk: events.length, published, unpublished: events.length - published, unreadable, truncated };
      const line =
        `Deadline watch: ${result.atRisk} chunk(s) not archived with a quarter of their window or less left, in ${result.recordings} recording(s) ` +
        `due within ${this.deps.retentionHours / 4} h; ${this.deps.events.enabled ? `${published} ${ARCHIVE_EVENT_TYPES.chunkDeadlineAtRisk} event(s) published, ${result.unpublished} not` : "no event sink configured (ARCHIVE_EVENTS_ENDPOINT)"}` +
        `; ${unreadable} unreadable; truncated: ${truncated}.`;
      if (result.atRisk > 0 || unreadable > 0 || truncated) log.warn(line);
      else log.info(line);
      return result;
    });
  }

  /** The recordings with a marker in the hours from now to now + RETENTION_HOURS / 4, bounded. */
  private async dueRecordings(now: Date): Promise<{ folders: string[]; truncated: boolean }> {
    const max = this.deps.maxRecordings ?? MAX_RECORDINGS_PER_RUN;
    const horizon = new Date(now.getTime() + (this.deps.retentionHours / 4) * 3_600_000);
    const folders = new Set<string>();
    let truncated = false;
    for (const hour of deadlineHoursBetween(now, horizon)) {
      if (folders.size >= max) {
        truncated = true;
        break;
      }
      const listed = await listWithMetadata(this.deps.container, deadlineHourFolder(hour), max - folders.size);
      truncated ||= listed.truncated;
      for (const blob of listed.blobs) {
        const folder = recordingFolderOfMarker(blob.name);
        if (folder) folders.add(folder);
      }
    }
    return { folders: [...folders].slice(0, max), truncated: truncated || folders.size > max };
  }

  /**
   * The at-risk events of one recording: chunks still `pending` in the status reading (never an erased one), in their
   * window's last quarter — those of the first trace and of later events alike.
   */
  private atRisk({ status, traces }: RecordingReading, now: Date): ArchiveEvent[] {
    if (status.complete) return [];
    const eventTimes = new Map(
      [...traces.later, ...(traces.first ? [traces.first] : [])].flatMap((trace) => trace.chunks.map((chunk) => [chunk.documentId, chunk.eventTime])),
    );
    if (eventTimes.size === 0) return [];
    return status.chunks
      .filter(
        (chunk): chunk is typeof chunk & { index: number } =>
          chunk.state === "pending" &&
          chunk.index !== null &&
          chunk.deadline !== null &&
          inLastQuarter(chunk.deadline, eventTimes.get(chunk.documentId) ?? "", now),
      )
      .map((chunk) =>
        chunkDeadlineAtRiskEvent(
          {
            chunkKey: chunkKey(status.acsResource ?? "", chunk.documentId, chunk.index),
            callId: status.callId,
            serverCallId: status.serverCallId,
            recordingId: status.recordingId,
            index: chunk.index,
            documentId: chunk.documentId,
            deadline: chunk.deadline as string,
          },
          recordingSubjectOf(status, eventTimes.get(chunk.documentId) ?? ""),
          now,
        ),
      );
  }

  /** Publishes in batches; a failed batch is logged and left for the next run (same ids). Returns how many went out. */
  private async publish(events: readonly ArchiveEvent[], log: Log): Promise<number> {
    let published = 0;
    for (let start = 0; start < events.length; start += EVENTS_PER_PUBLISH) {
      const batch = events.slice(start, start + EVENTS_PER_PUBLISH);
      try {
        await this.deps.events.publish(batch);
        published += batch.length;
      } catch (error) {
        log.warn(`Deadline watch: ${describeError(error)} The next run publishes them again, with the same ids.`);
      }
    }
    return published;
  }
}
