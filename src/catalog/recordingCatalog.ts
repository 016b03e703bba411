import type { ContainerClient } from "@azure/storage-blob";
import type { ArchivedChunk } from "../archive/chunkArchiver";
import type { FailureOutcome } from "../archive/failureRecords";
import { callFolder, chunkBlobNames } from "../archive/blobLayout";
import { describeError } from "../errors";
import type { ChunkMessage } from "../events/chunkMessage";
import type { Log } from "../shared/log";
import { archiverMetrics } from "../telemetry/archiverMetrics";
import { ARCHIVE_EVENT_TYPES, archiveEvent, chunkDeadlineAtRiskEvent, inLastQuarter, recordingSubject, recordingSubjectOf } from "./archiveEvents";
import { readRecordingFolder } from "./archivedChunks";
import { listFolders, readJsonBlob } from "./boundedReads";
import { expectedRecordName } from "./catalogLayout";
import { chunkOutcome, writeChunkOutcome } from "./chunkOutcomes";
import type { ArchiveEventSink } from "./eventPublisher";
import { MAX_EXPECTED_RECORD_BYTES, readExpectedRecording } from "./expectedRecords";
import { ErasureTombstones } from "./erasureTombstones";
import { manifestForEvent, writeManifestIfComplete, type ManifestResult } from "./recordingManifest";
import { readRecordingTraces } from "./recordingTraces";
import { recordingInfoOf, type RecordingInfo } from "./recordingInfo";

const MAX_RECORDINGS_PER_CALL = 200;
/** Event Grid accepts events up to 1 MB; the envelope and the other fields fit in what is left. */
const MAX_MANIFEST_IN_EVENT_BYTES = 900 * 1024;

/** What the archive job tells the catalog; each call that throws makes the job hand the message back for a retry. */
export interface ChunkCatalogHooks {
  /** A chunk is archived (or was): metrics, the manifest when the recording is complete, RecordingArchived. */
  chunkArchived(message: ChunkMessage, archived: ArchivedChunk, startedAt: Date, log: Log): Promise<void>;
  /** A failure record was written: metrics, the call's outcome copy, ChunkArchiveFailed. */
  chunkFailed(message: ChunkMessage | undefined, failure: { outcome: FailureOutcome; error: unknown; recordedAt: string }, log: Log): Promise<void>;
  /** A transient failure, the queue will retry: ChunkDeadlineAtRisk when a quarter of the window or less is left. Never throws. */
  chunkRetrying(message: ChunkMessage, log: Log): Promise<void>;
}

export interface RecordingCatalogDependencies {
  readonly container: ContainerClient;
  readonly events: ArchiveEventSink;
  readonly now?: () => Date;
}

/**
 * The recording catalog: after each chunk, decides from storage whether its recording is complete,
 * writes the manifest once, and tells downstream systems (Event Grid) what happened.
 */
export class RecordingCatalog implements ChunkCatalogHooks {
  private readonly now: () => Date;
  private readonly erasures: ErasureTombstones;

  constructor(private readonly deps: RecordingCatalogDependencies) {
    this.now = deps.now ?? (() => new Date());
    this.erasures = new ErasureTombstones(deps.container);
  }

  async chunkArchived(message: ChunkMessage, archived: ArchivedChunk, startedAt: Date, log: Log): Promise<void> {
    const finished = this.now();
    const meter = archiverMetrics();
    meter.chunksArchived.add(1, { outcome: archived.outcome });
    meter.chunkDuration.record(Math.max(0, (finished.getTime() - startedAt.getTime()) / 1000), { outcome: archived.outcome });
    if (archived.outcome === "archived") {
      meter.bytesArchived.add(archived.bytes);
      meter.deadlineMargin.record((Date.parse(message.deadline) - finished.getTime()) / 3_600_000);
    }
    meter.bytesRedownloaded.add(Math.max(0, archived.downloadedBytes - archived.bytes));
    await this.completeRecording(chunkBlobNames(message).folder, recordingInfoOf(message), recordingSubject(message), log);
  }

  /**
   * Writes the manifest of a recording when it is complete and publishes RecordingArchived (again, with the same id,
   * when it exists). A recording whose chunks were all erased gets neither; a manifest naming an erased chunk is not
   * published again.
   */
  async completeRecording(folder: string, info: RecordingInfo, subject: string, log: Log): Promise<ManifestResult> {
    const { container } = this.deps;
    const [expected, erased] = await Promise.all([
      readJsonBlob(container, expectedRecordName(folder), MAX_EXPECTED_RECORD_BYTES).then(readExpectedRecording),
      this.erasures.erasedIn(folder),
    ]);
    const result = await writeManifestIfComplete(
      container,
      folder,
      expected ? { ...info, ...pick(expected, info) } : info,
      {
        expected: expected && expected.chunks.length > 0 ? expected.chunks : undefined,
        erased,
        traces: () => readRecordingTraces(container, folder, expected ?? null),
      },
      this.now,
    );
    if (result.status === "erased") {
      log.info(`Recording ${folder}: every chunk was erased by a data-subject erasure; no manifest, no event.`);
      return result;
    }
    if (result.status === "incomplete") {
      log.debug(`Recording ${folder}: ${result.archived} of ${result.expected} chunks archived; no manifest yet.`);
      return result;
    }
    if (!result.equivalent) log.error(`The manifest ${result.blob} was written by another instance and describes different chunks; it is kept as written.`);
    if (result.erasedSince > 0) {
      log.warn(`The manifest ${result.blob} names ${result.erasedSince} chunk(s) erased since it was written; it is not published again (erase removes it).`);
      return result;
    }
    if (result.status === "written") log.info(`Recording ${folder} is complete: wrote ${result.blob} (${result.manifest.chunks.length} chunks).`);
    // No raw participant id leaves the archive: the event carries their count; consumers read the manifest with their own rights.
    const published = manifestForEvent(result.manifest);
    // Event Grid refuses events over 1 MB: a manifest that large (hundreds of chunks) is referenced, not carried.
    const carried = Buffer.byteLength(JSON.stringify(published)) <= MAX_MANIFEST_IN_EVENT_BYTES;
    const data = {
      manifest: carried ? published : null,
      ...(carried ? {} : { manifestOmitted: "larger than an event may be; read manifestBlob" }),
      manifestBlob: result.blob,
      manifestUrl: result.url,
    };
    const event = archiveEvent(ARCHIVE_EVENT_TYPES.recordingArchived, folder, subject, data, this.now());
    await this.deps.events.publish([event]);
    return result;
  }

  /**
   * `recording-archiver manifest --call <id>`: writes the manifest of every complete recording of a
   * call that has none (recordings archived before manifests existed), and publishes RecordingArchived.
   */
  async completeCall(call: string, log: Log): Promise<{ folder: string; result: ManifestResult }[]> {
    const { folders } = await listFolders(this.deps.container, callFolder(call), MAX_RECORDINGS_PER_CALL);
    const done: { folder: string; result: ManifestResult }[] = [];
    for (const folder of folders) {
      const contents = await readRecordingFolder(this.deps.container, folder);
      const expected = readExpectedRecording(await readJsonBlob(this.deps.container, expectedRecordName(folder), MAX_EXPECTED_RECORD_BYTES));
      const info = expected ?? contents.info;
      if (!info) {
        log.warn(`${folder} holds no chunk blob the archiver wrote; skipped.`);
        continue;
      }
      // The recording's identity as its chunk messages had it (the event time stands in for a missing start).
      const subject = recordingSubjectOf(info, expected?.chunks[0]?.eventTime ?? "unknown");
      done.push({ folder, result: await this.completeRecording(folder, info, subject, log) });
    }
    return done;
  }

  async chunkFailed(message: ChunkMessage | undefined, failure: { outcome: FailureOutcome; error: unknown; recordedAt: string }, log: Log): Promise<void> {
    archiverMetrics().chunksFailed.add(1, { outcome: failure.outcome });
    if (!message) return;
    const outcome = chunkOutcome(message, failure.outcome, failure.error, this.now().toISOString(), failure.recordedAt);
    await writeChunkOutcome(this.deps.container, message, outcome);
    const data = {
      chunkKey: message.chunkKey,
      callId: message.callId ?? null,
      serverCallId: message.serverCallId ?? null,
      recordingId: message.recordingId ?? null,
      ...outcome,
    };
    await this.deps.events.publish([
      archiveEvent(ARCHIVE_EVENT_TYPES.chunkArchiveFailed, `${message.chunkKey}|${failure.outcome}`, recordingSubject(message), data, this.now()),
    ]);
    log.debug(`Published ${ARCHIVE_EVENT_TYPES.chunkArchiveFailed} for chunk ${message.chunkKey}.`);
  }

  async chunkRetrying(message: ChunkMessage, log: Log): Promise<void> {
    const now = this.now();
    if (!inLastQuarter(message.deadline, message.eventTime, now) || !this.deps.events.enabled) return;
    const chunk = {
      chunkKey: message.chunkKey,
      callId: message.callId ?? null,
      serverCallId: message.serverCallId ?? null,
      recordingId: message.recordingId ?? null,
      index: message.index,
      documentId: message.documentId,
      deadline: message.deadline,
    };
    try {
      await this.deps.events.publish([chunkDeadlineAtRiskEvent(chunk, recordingSubject(message), now)]);
    } catch (error) {
      // The chunk is retried anyway: the next failing delivery publishes again, with the same id.
      log.warn(`Could not publish ${ARCHIVE_EVENT_TYPES.chunkDeadlineAtRisk} for chunk ${message.chunkKey}: ${describeError(error)}`);
    }
  }
}

/** Fields the expected record knows and a message-less caller (the CLI) may not. */
function pick(expected: RecordingInfo, info: RecordingInfo): Partial<RecordingInfo> {
  const fields = [
    "recordingDurationMs",
    "contentType",
    "channelType",
    "formatType",
    "recordingStartTime",
    "callId",
    "serverCallId",
    "recordingId",
    "acsResource",
  ] as const;
  return Object.fromEntries(fields.filter((field) => info[field] === null && expected[field] !== null).map((field) => [field, expected[field]]));
}
