import type { ContainerClient } from "@azure/storage-blob";
import { callFolder, manifestName } from "../layout/blobLayout";
import { mapConcurrent } from "../shared/mapConcurrent";
import { inSpan } from "../telemetry/spans";
import { readRecordingFolder, type RecordingFolderContents } from "./archivedChunks";
import { listFolders, listWithMetadata, readJsonBlob } from "./boundedReads";
import type { ChunkAnomaly } from "../queue/chunkAnomalies";
import { catalogCallFolder, chunkNameKey, outcomesFolder, recordingFolderOf } from "../layout/catalogLayout";
import { readChunkOutcome, type ChunkOutcome } from "./chunkOutcomes";
import {
  ErasureTombstones,
  recordingFolderOfTombstones,
  tombstoneCallFolder,
  type ErasedChunks,
} from "./erasureTombstones";
import type { ExpectedRecording } from "./expectedRecords";
import { anomaliesWithTrace, intakeTraceOf, type IntakeTrace, type RecordingTraces } from "./intakeTraces";
import { QueuedChunks } from "./queuedChunks";
import { readRecordingTraces } from "./recordingTraces";
import type { RecordingInfo } from "./recordingInfo";

type ChunkState = "pending" | "archived" | "failed" | "expired" | "erased";

export interface ChunkStatus {
  /** null only for an erased chunk known from its tombstone alone (an erasure that did not record its index). */
  readonly index: number | null;
  readonly documentId: string;
  readonly state: ChunkState;
  /** The chunk's retention deadline (null when intake left no record: archived by an earlier version). */
  readonly deadline: string | null;
  /** Hours until the deadline (negative once passed); null without a deadline. */
  readonly hoursLeft: number | null;
  /** `store: "byos"`: catalogued in the customer's own account; `blob` is then its catalogue record. */
  readonly media?: {
    readonly blob: string;
    readonly bytes: number;
    readonly sha256: string | null;
    readonly store?: "byos";
  };
  readonly metadata?: { readonly blob: string; readonly bytes: number };
  /** The latest failure outcome (failed/expired), with its reason and full record. */
  readonly outcome?: ChunkOutcome;
  /**
   * How the chunk joined its recording's folder (intakeTraces.ts): `announced`, or `laterEvent`, `otherResource`,
   * `none` (archived or expected all the same: treat with care). Absent when the recording has no first trace.
   */
  readonly intakeTrace?: IntakeTrace;
  /**
   * What was odd about the chunk and did not stop it being archived (src/queue/chunkAnomalies.ts): the codes intake
   * recorded, plus `unannounced` when `intakeTrace` is not `announced`. Absent when nothing.
   */
  readonly anomalies?: readonly ChunkAnomaly[];
}

interface RecordingStatus extends Omit<RecordingInfo, "chunkCount"> {
  readonly folder: string;
  readonly expectedChunks: number;
  /** Chunks whose intakeTrace is not `announced` (a later event, another ACS resource, no trace). */
  readonly unannouncedChunks: number;
  readonly complete: boolean;
  readonly manifest: string | null;
  readonly chunks: readonly ChunkStatus[];
}

export interface CallStatus {
  readonly call: string;
  readonly checkedAt: string;
  readonly recordings: readonly RecordingStatus[];
  /** True when a listing hit its bound (more recordings or records than reported). */
  readonly truncated: boolean;
}

/** One recording's status, and the expected record intake left for it (absent for recordings from before). */
export interface RecordingReading {
  readonly status: RecordingStatus;
  readonly expected: ExpectedRecording | undefined;
  /** Every intake trace of the recording: its first (= expected) and later events'. */
  readonly traces: RecordingTraces;
}

/** At most this many recordings of one call are reported (a listing bound, not a product limit). */
const MAX_RECORDINGS = 200;
const MAX_OUTCOMES_PER_RECORDING = 2_000;

/**
 * Answers "where is call X?" from storage alone: the recordings intake expected (archive-catalog/),
 * the chunk blobs under calls/, and the failure outcomes. Every listing and read is bounded.
 */
export class CallStatusReader {
  private readonly erasures: ErasureTombstones;
  private readonly queued: QueuedChunks;

  constructor(
    private readonly container: ContainerClient,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.erasures = new ErasureTombstones(container);
    this.queued = new QueuedChunks(container);
  }

  get containerName(): string {
    return this.container.containerName;
  }

  /** The call's status, or undefined when the archive has never seen it. */
  async read(call: string): Promise<CallStatus | undefined> {
    return inSpan("Storage read call status", {}, async () => {
      const [catalog, archived, erased] = await Promise.all([
        listFolders(this.container, catalogCallFolder(call), MAX_RECORDINGS),
        listFolders(this.container, callFolder(call), MAX_RECORDINGS),
        listFolders(this.container, tombstoneCallFolder(call), MAX_RECORDINGS),
      ]);
      const folders = new Set<string>(archived.folders);
      for (const prefix of catalog.folders) {
        const folder = recordingFolderOf(prefix);
        if (folder) folders.add(folder);
      }
      for (const prefix of erased.folders) {
        const folder = recordingFolderOfTombstones(prefix);
        if (folder) folders.add(folder);
      }
      if (folders.size === 0) return undefined;
      const chosen = [...folders].sort().slice(0, MAX_RECORDINGS);
      const settled = await mapConcurrent(chosen, 4, (folder) => this.readRecording(folder));
      const recordings = settled.map((result) => {
        if (result.status === "rejected") throw result.reason;
        return result.value.status;
      });
      return {
        call,
        checkedAt: this.now().toISOString(),
        recordings,
        truncated: catalog.truncated || archived.truncated || erased.truncated || folders.size > MAX_RECORDINGS,
      };
    });
  }

  /**
   * One recording's status (from `calls/<call>/<recording>/`, its catalog records and tombstones), with intake's traces.
   * `lean` (the deadline watch): only what tells pending chunks from the others; failure outcomes are known from their
   * names (no bodies read, no `outcome` on the chunk) and anomalies are not read, so a reading's memory is its listings.
   */
  async readRecording(folder: string, options: { lean?: boolean } = {}): Promise<RecordingReading> {
    const [traces, contents, outcomes, erased, anomalies] = await Promise.all([
      readRecordingTraces(this.container, folder),
      readRecordingFolder(this.container, folder),
      this.outcomes(folder, !options.lean),
      this.erasures.erasedIn(folder),
      options.lean ? undefined : this.queued.anomaliesOf(folder),
    ]);
    const expected = traces.first;
    const info: RecordingInfo | undefined = expected ?? traces.later[0] ?? contents.info;
    const chunks = await this.chunks(traces, contents, outcomes, erased, anomalies);
    const traced = new Set(
      [...(expected?.chunks ?? []), ...traces.later.flatMap((trace) => trace.chunks)].map((chunk) => chunk.documentId),
    ).size;
    const expectedChunks = Math.max(info?.chunkCount ?? 0, traced) || chunks.length;
    const archivedCount = chunks.filter((chunk) => chunk.state === "archived").length;
    const erasedCount = chunks.filter((chunk) => chunk.state === "erased").length;
    // Complete: every chunk archived (or erased) — also one a later event added after the manifest — and at least one
    // archived: a recording erased whole is not complete.
    const settled = chunks.every((chunk) => chunk.state === "archived" || chunk.state === "erased");
    const complete =
      archivedCount > 0 && settled && (contents.manifestExists || archivedCount + erasedCount >= expectedChunks);
    const status: RecordingStatus = {
      folder,
      callId: info?.callId ?? null,
      serverCallId: info?.serverCallId ?? null,
      recordingId: info?.recordingId ?? null,
      acsResource: info?.acsResource ?? null,
      recordingStartTime: info?.recordingStartTime ?? null,
      recordingDurationMs: info?.recordingDurationMs ?? null,
      contentType: info?.contentType ?? null,
      channelType: info?.channelType ?? null,
      formatType: info?.formatType ?? null,
      expectedChunks,
      unannouncedChunks: chunks.filter((chunk) => chunk.intakeTrace !== undefined && chunk.intakeTrace !== "announced")
        .length,
      complete,
      manifest: contents.manifestExists ? `${this.container.containerName}/${manifestName(folder)}` : null,
      chunks,
    };
    return { status, expected, traces };
  }

  private async chunks(
    traces: RecordingTraces,
    contents: RecordingFolderContents,
    outcomes: ReadonlyMap<string, ChunkOutcome | null>,
    erased: ErasedChunks,
    anomalies: ReadonlyMap<string, readonly ChunkAnomaly[]> | undefined,
  ): Promise<ChunkStatus[]> {
    const now = this.now().getTime();
    const known = new Map<string, { index: number | null; deadline: string | null }>();
    for (const trace of [...(traces.first ? [traces.first] : []), ...traces.later])
      for (const chunk of trace.chunks)
        if (!known.has(chunk.documentId)) known.set(chunk.documentId, { index: chunk.index, deadline: chunk.deadline });
    for (const chunk of contents.chunks.values())
      if (!known.has(chunk.documentId)) known.set(chunk.documentId, { index: chunk.index, deadline: null });
    for (const outcome of outcomes.values())
      if (outcome && !known.has(outcome.documentId))
        known.set(outcome.documentId, { index: outcome.index, deadline: outcome.deadline });
    // Erased chunks nothing else names any more (an erasure that removed the recording's records): from their tombstones.
    if ([...known.keys()].filter((documentId) => erased.has(documentId)).length < erased.size) {
      const read = await mapConcurrent(erased.names, 8, (name) => this.erasures.read(name));
      for (const result of read) {
        if (result.status === "rejected") throw result.reason;
        const tombstone = result.value;
        if (tombstone && !known.has(tombstone.documentId))
          known.set(tombstone.documentId, { index: tombstone.index ?? null, deadline: null });
      }
    }
    const at = (name: string): string => `${this.container.containerName}/${name}`;
    return [...known.entries()]
      .map(([documentId, { index, deadline }]): ChunkStatus => {
        const blobs = contents.chunks.get(documentId);
        // Outcomes and queued records are named `<index>-<documentId>-…`: a chunk known by its tombstone alone has neither.
        const nameKey = index === null ? undefined : chunkNameKey(index, documentId);
        const outcome = nameKey === undefined ? undefined : outcomes.get(nameKey);
        const hoursLeft = deadline === null ? null : Math.round(((Date.parse(deadline) - now) / 3_600_000) * 100) / 100;
        const intakeTrace = intakeTraceOf(
          documentId,
          blobs?.media || blobs?.metadata ? (blobs.acsResource ?? null) : undefined,
          traces,
        );
        const odd = anomalies
          ? anomaliesWithTrace(nameKey === undefined ? undefined : anomalies.get(nameKey), intakeTrace)
          : [];
        const base = {
          index,
          documentId,
          deadline,
          hoursLeft,
          ...(intakeTrace ? { intakeTrace } : {}),
          ...(odd.length > 0 ? { anomalies: odd } : {}),
        };
        const stored = {
          ...(blobs?.media
            ? {
                media: {
                  blob: at(blobs.media.name),
                  bytes: blobs.media.bytes,
                  sha256: blobs.media.sha256 ?? null,
                  ...(blobs.media.store ? { store: blobs.media.store } : {}),
                },
              }
            : {}),
          ...(blobs?.metadata ? { metadata: { blob: at(blobs.metadata.name), bytes: blobs.metadata.bytes } } : {}),
        };
        // Erased by a data-subject erasure: never pending again (blobs still listed are what the erasure could not remove).
        if (erased.has(documentId)) return { ...base, state: "erased", ...stored };
        if (blobs?.media && blobs.metadata) return { ...base, state: "archived", ...stored };
        if (outcome) return { ...base, state: outcome.outcome === "expired" ? "expired" : "failed", outcome };
        if (nameKey !== undefined && outcomes.has(nameKey)) return { ...base, state: "failed" };
        // Not archived, nothing recorded, and the deadline is behind us: ACS may have deleted it.
        if (hoursLeft !== null && hoursLeft < 0) return { ...base, state: "expired" };
        return { ...base, state: "pending" };
      })
      .sort((a, b) => (a.index ?? -1) - (b.index ?? -1) || a.documentId.localeCompare(b.documentId));
  }

  /**
   * The latest outcome per chunk, keyed `<index>-<documentId as in blob names>` (outcome blob names,
   * `<index>-<documentId>-<ms>.json`); without `readBodies`, null for each (an outcome exists, unread).
   */
  private async outcomes(folder: string, readBodies: boolean): Promise<Map<string, ChunkOutcome | null>> {
    const { blobs } = await listWithMetadata(this.container, outcomesFolder(folder), MAX_OUTCOMES_PER_RECORDING);
    const latest = new Map<string, string>();
    for (const blob of blobs) {
      const match = /^(\d+)-(.+)-(\d+)\.json$/.exec(blob.name.slice(outcomesFolder(folder).length));
      if (!match) continue;
      const key = `${match[1]}-${match[2]}`;
      const previous = latest.get(key);
      if (!previous || Number(/-(\d+)\.json$/.exec(previous)?.[1]) < Number(match[3])) latest.set(key, blob.name);
    }
    const byChunk = new Map<string, ChunkOutcome | null>();
    if (!readBodies) {
      for (const key of latest.keys()) byChunk.set(key, null);
      return byChunk;
    }
    const read = await mapConcurrent([...latest.values()], 8, async (name) =>
      readChunkOutcome(await readJsonBlob(this.container, name, 64 * 1024)),
    );
    for (const result of read) {
      if (result.status === "rejected") throw result.reason;
      // Keyed by what the record says; a blob that is not an outcome record counts for nothing.
      if (result.value) byChunk.set(chunkNameKey(result.value.index, result.value.documentId), result.value);
    }
    return byChunk;
  }
}
