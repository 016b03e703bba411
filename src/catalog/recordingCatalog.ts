import type { ContainerClient } from "@azure/storage-blob";
import type { ArchivedChunk } from "../archive/chunkArchiver";
import type { FailureOutcome } from "../archive/failureRecords";
import { callFolder, chunkBlobNames, mediaFormat } from "../layout/blobLayout";
import { describeError } from "../errors";
import type { ChunkMessage } from "../queue/chunkMessage";
import type { Log } from "../shared/log";
import { archiverMetrics } from "../telemetry/archiverMetrics";
import {
  ARCHIVE_EVENT_TYPES,
  archiveEvent,
  chunkDeadlineAtRiskEvent,
  inLastQuarter,
  recordingSubject,
  recordingSubjectOf,
} from "./archiveEvents";
import { acsResourceOf, readRecordingFolder } from "./archivedChunks";
import { listFolders, readJsonBlob } from "./boundedReads";
import { expectedRecordName } from "../layout/catalogLayout";
import { chunkOutcome, writeChunkOutcome } from "./chunkOutcomes";
import type { ArchiveEventSink } from "./eventPublisher";
import { MAX_EXPECTED_RECORD_BYTES, readExpectedRecording, type ExpectedRecording } from "./expectedRecords";
import { ErasureTombstones } from "./erasureTombstones";
import { anomaliesWithTrace, intakeTraceOf } from "./intakeTraces";
import {
  manifestForEvent,
  writeManifestIfComplete,
  writeSingleChunkManifest,
  type ArchiveManifestChunk,
  type ManifestResult,
  type ManifestWritten,
} from "./recordingManifest";
import { readRecordingTraces } from "./recordingTraces";
import { storageSignal } from "../storage/storageDeadline";
import { chunkBlobMetadata } from "../layout/blobMetadata";
import { recordingInfoOf, type RecordingInfo } from "./recordingInfo";

const MAX_RECORDINGS_PER_CALL = 200;
/** Intake's records kept in memory (a few KiB each), and for how long. */
const EXPECTED_CACHE_SIZE = 256;
const EXPECTED_CACHE_MS = 10 * 60_000;
/** Up to this many other chunks are looked up one by one before a folder is listed; a longer recording is listed. */
const MAX_COMPLETION_PROBES = 16;
/** Event Grid accepts events up to 1 MB; the envelope and the other fields fit in what is left. */
const MAX_MANIFEST_IN_EVENT_BYTES = 900 * 1024;

/** What the archive job tells the catalog; each call that throws makes the job hand the message back for a retry. */
export interface ChunkCatalogHooks {
  /** A chunk's archiving starts: read what the step after it needs (intake's record) meanwhile. Never throws. */
  prepare?(message: ChunkMessage): void;
  /** A chunk is archived (or was): metrics, the manifest when the recording is complete, RecordingArchived. */
  chunkArchived(message: ChunkMessage, archived: ArchivedChunk, startedAt: Date, log: Log): Promise<void>;
  /** A failure record was written: metrics, the call's outcome copy, ChunkArchiveFailed. */
  chunkFailed(
    message: ChunkMessage | undefined,
    failure: { outcome: FailureOutcome; error: unknown; recordedAt: string },
    log: Log,
  ): Promise<void>;
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
  private readonly expected = new Map<string, { at: number; record: Promise<ExpectedRecording | undefined> }>();
  private readonly erasures: ErasureTombstones;

  constructor(private readonly deps: RecordingCatalogDependencies) {
    this.now = deps.now ?? (() => new Date());
    this.erasures = new ErasureTombstones(deps.container);
  }

  async chunkArchived(message: ChunkMessage, archived: ArchivedChunk, startedAt: Date, log: Log): Promise<void> {
    const finished = this.now();
    const meter = archiverMetrics();
    meter.chunksArchived.add(1, { outcome: archived.outcome });
    meter.chunkDuration.record(Math.max(0, (finished.getTime() - startedAt.getTime()) / 1000), {
      outcome: archived.outcome,
    });
    if (archived.outcome === "archived") {
      meter.bytesArchived.add(archived.bytes);
      meter.deadlineMargin.record((Date.parse(message.deadline) - finished.getTime()) / 3_600_000);
    }
    meter.bytesRedownloaded.add(Math.max(0, archived.downloadedBytes - archived.bytes));
    const folder = chunkBlobNames(message).folder;
    const info = recordingInfoOf(message);
    const expected = await this.expectedOf(folder);
    const single = expected && singleChunkEntry(message, archived, expected);
    if (expected && single) {
      // A later event naming another chunk of this folder brings the listing back (that chunk may belong in it).
      const traces = await readRecordingTraces(this.deps.container, folder, expected);
      if (
        !traces.truncated &&
        traces.later.every((trace) => trace.chunks.every((chunk) => chunk.documentId === message.documentId))
      ) {
        const intakeTrace = intakeTraceOf(message.documentId, acsResourceOf(chunkBlobMetadata(message)), traces);
        // The anomalies intake recorded travel in the message; with the trace's mark they are what the listing would find.
        const odd = anomaliesWithTrace(message.anomalies, intakeTrace);
        const chunk = {
          ...single.chunk,
          ...(intakeTrace ? { intakeTrace } : {}),
          ...(odd.length > 0 ? { anomalies: odd } : {}),
        };
        const result = await writeSingleChunkManifest(
          this.deps.container,
          folder,
          { ...info, ...pick(expected, info) },
          chunk,
          single.document,
          () => this.erasures.erasedIn(folder),
          this.now,
        );
        await this.published(result, folder, recordingSubject(message), log);
        return;
      }
    }
    const missing = expected && (await this.chunkMissing(expected, message, folder));
    if (missing) {
      log.debug(`Recording ${folder}: chunk ${missing} is not archived yet; no manifest yet.`);
      return;
    }
    await this.complete(folder, info, recordingSubject(message), expected, log);
  }

  /**
   * Writes the manifest of a recording when it is complete and publishes RecordingArchived (again, with the same id,
   * when it exists). A recording whose chunks were all erased gets neither; a manifest naming an erased chunk is not
   * published again.
   */
  async completeRecording(folder: string, info: RecordingInfo, subject: string, log: Log): Promise<ManifestResult> {
    return this.complete(folder, info, subject, await this.expectedOf(folder), log);
  }

  prepare(message: ChunkMessage): void {
    this.expectedOf(chunkBlobNames(message).folder).catch(() => undefined);
  }

  /**
   * Intake's record of a recording. It is written once, before any of its chunks is queued, and never changed,
   * so a read is kept for a while (the recording's other chunks, and the read `prepare` started): at most
   * EXPECTED_CACHE_SIZE records, each for EXPECTED_CACHE_MS; a failed read is not kept.
   */
  private expectedOf(folder: string): Promise<ExpectedRecording | undefined> {
    const now = Date.now();
    const cached = this.expected.get(folder);
    if (cached && now - cached.at < EXPECTED_CACHE_MS) return cached.record;
    const record = readJsonBlob(this.deps.container, expectedRecordName(folder), MAX_EXPECTED_RECORD_BYTES).then(
      readExpectedRecording,
    );
    this.expected.delete(folder);
    this.expected.set(folder, { at: now, record });
    record.catch(() => this.expected.get(folder)?.record === record && this.expected.delete(folder));
    for (const oldest of this.expected.keys()) {
      if (this.expected.size <= EXPECTED_CACHE_SIZE) break;
      this.expected.delete(oldest);
    }
    return record;
  }

  /**
   * The index of an expected chunk (other than `message`'s) whose metadata blob is not in the archive and that no
   * data-subject erasure removed, when there is one: the recording cannot be complete, so its folder is not listed.
   * One HEAD per chunk, newest chunk first (the likeliest to be missing), stopping at the first missing; a chunk
   * found missing has its folder's tombstone looked up (one HEAD: an erased chunk is never waited for, as the
   * listing's rule has it). When all are there (or a
   * record predates blob names), the folder listing decides: a metadata blob is not yet an archived chunk.
   */
  private async chunkMissing(
    expected: ExpectedRecording,
    message: ChunkMessage,
    folder: string,
  ): Promise<number | undefined> {
    const others = expected.chunks
      .filter((chunk) => chunk.documentId !== message.documentId)
      .sort((a, b) => b.index - a.index);
    if (others.length > MAX_COMPLETION_PROBES || others.some((chunk) => chunk.metadataBlob === "")) return undefined;
    for (const chunk of others) {
      if (await this.deps.container.getBlobClient(chunk.metadataBlob).exists({ abortSignal: storageSignal() }))
        continue;
      if (!(await this.erasures.hasFolderTombstone(folder, chunk.documentId))) return chunk.index;
    }
    return undefined;
  }

  private async complete(
    folder: string,
    info: RecordingInfo,
    subject: string,
    expected: ExpectedRecording | undefined,
    log: Log,
  ): Promise<ManifestResult> {
    const { container } = this.deps;
    const erased = await this.erasures.erasedIn(folder);
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
    await this.published(result, folder, subject, log);
    return result;
  }

  /** Logs a written (or found) manifest and publishes RecordingArchived for it. */
  private async published(result: ManifestWritten, folder: string, subject: string, log: Log): Promise<void> {
    if (!result.equivalent)
      log.error(
        `The manifest ${result.blob} was written by another instance and describes different chunks; it is kept as written.`,
      );
    if (result.erasedSince > 0) {
      log.warn(
        `The manifest ${result.blob} names ${result.erasedSince} chunk(s) erased since it was written; it is not published again (erase removes it).`,
      );
      return;
    }
    if (result.status === "written")
      log.info(`Recording ${folder} is complete: wrote ${result.blob} (${result.manifest.chunks.length} chunks).`);
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
      const expected = readExpectedRecording(
        await readJsonBlob(this.deps.container, expectedRecordName(folder), MAX_EXPECTED_RECORD_BYTES),
      );
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

  async chunkFailed(
    message: ChunkMessage | undefined,
    failure: { outcome: FailureOutcome; error: unknown; recordedAt: string },
    log: Log,
  ): Promise<void> {
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
      archiveEvent(
        ARCHIVE_EVENT_TYPES.chunkArchiveFailed,
        `${message.chunkKey}|${failure.outcome}`,
        recordingSubject(message),
        data,
        this.now(),
      ),
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
      log.warn(
        `Could not publish ${ARCHIVE_EVENT_TYPES.chunkDeadlineAtRisk} for chunk ${message.chunkKey}: ${describeError(error)}`,
      );
    }
  }
}

/**
 * The manifest entry of the only chunk of a one-chunk recording, when this invocation has just archived it (media
 * committed with its SHA-256, metadata stored from the bytes in hand) and intake's record expects exactly it.
 */
function singleChunkEntry(
  message: ChunkMessage,
  archived: ArchivedChunk,
  expected: ExpectedRecording,
): { chunk: ArchiveManifestChunk; document: Buffer } | undefined {
  const [only, ...more] = expected.chunks;
  const document = archived.metadataDocument;
  if (
    !only ||
    more.length > 0 ||
    only.documentId !== message.documentId ||
    archived.outcome !== "archived" ||
    !archived.contentSha256 ||
    !document
  )
    return undefined;
  return {
    document,
    chunk: {
      index: message.index,
      documentId: message.documentId,
      media: {
        store: "archive",
        blob: archived.mediaBlob,
        bytes: archived.bytes,
        sha256: archived.contentSha256,
        sha256Source: "blobMetadata",
        contentType: mediaFormat(message).contentType,
      },
      metadata: { blob: archived.metadataBlob, bytes: document.length },
    },
  };
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
  return Object.fromEntries(
    fields.filter((field) => info[field] === null && expected[field] !== null).map((field) => [field, expected[field]]),
  );
}
