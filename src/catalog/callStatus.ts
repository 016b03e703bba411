import type { ContainerClient } from "@azure/storage-blob";
import { callFolder, manifestName } from "../archive/blobLayout";
import { mapConcurrent } from "../shared/mapConcurrent";
import type { ChunkAnomaly } from "../events/chunkAnomalies";
import { inSpan } from "../telemetry/spans";
import { readRecordingFolder, type RecordingFolderContents } from "./archivedChunks";
import { listFolders, listWithMetadata, readJsonBlob } from "./boundedReads";
import { catalogCallFolder, chunkNameKey, expectedRecordName, outcomesFolder, recordingFolderOf } from "./catalogLayout";
import { readChunkOutcome, type ChunkOutcome } from "./chunkOutcomes";
import { MAX_EXPECTED_RECORD_BYTES, readExpectedRecording, type ExpectedRecording } from "./expectedRecords";
import { QueuedChunks } from "./queuedChunks";
import type { RecordingInfo } from "./recordingInfo";

type ChunkState = "pending" | "archived" | "failed" | "expired";

export interface ChunkStatus {
  readonly index: number;
  readonly documentId: string;
  readonly state: ChunkState;
  /** The chunk's retention deadline (null when intake left no record: archived by an earlier version). */
  readonly deadline: string | null;
  /** Hours until the deadline (negative once passed); null without a deadline. */
  readonly hoursLeft: number | null;
  /** `store: "byos"`: catalogued in the customer's own account; `blob` is then its catalogue record. */
  readonly media?: { readonly blob: string; readonly bytes: number; readonly sha256: string | null; readonly store?: "byos" };
  readonly metadata?: { readonly blob: string; readonly bytes: number };
  /** The latest failure outcome (failed/expired), with its reason and full record. */
  readonly outcome?: ChunkOutcome;
  /** What was odd about the chunk and did not stop it being archived (src/events/chunkAnomalies.ts); absent when nothing. */
  readonly anomalies?: readonly ChunkAnomaly[];
}

interface RecordingStatus extends Omit<RecordingInfo, "chunkCount"> {
  readonly folder: string;
  readonly expectedChunks: number;
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
}

/** At most this many recordings of one call are reported (a listing bound, not a product limit). */
const MAX_RECORDINGS = 200;
const MAX_OUTCOMES_PER_RECORDING = 2_000;

/**
 * Answers "where is call X?" from storage alone: the recordings intake expected (archive-catalog/),
 * the chunk blobs under calls/, and the failure outcomes. Every listing and read is bounded.
 */
export class CallStatusReader {
  constructor(
    private readonly container: ContainerClient,
    private readonly now: () => Date = () => new Date(),
  ) {}

  get containerName(): string {
    return this.container.containerName;
  }

  /** The call's status, or undefined when the archive has never seen it. */
  async read(call: string): Promise<CallStatus | undefined> {
    return inSpan("Storage read call status", {}, async () => {
      const [catalog, archived] = await Promise.all([
        listFolders(this.container, catalogCallFolder(call), MAX_RECORDINGS),
        listFolders(this.container, callFolder(call), MAX_RECORDINGS),
      ]);
      const folders = new Set<string>(archived.folders);
      for (const prefix of catalog.folders) {
        const folder = recordingFolderOf(prefix);
        if (folder) folders.add(folder);
      }
      if (folders.size === 0) return undefined;
      const chosen = [...folders].sort().slice(0, MAX_RECORDINGS);
      const settled = await mapConcurrent(chosen, 4, (folder) => this.readRecording(folder));
      const recordings = settled.map((result) => {
        if (result.status === "rejected") throw result.reason;
        return result.value.status;
      });
      return { call, checkedAt: this.now().toISOString(), recordings, truncated: catalog.truncated || archived.truncated || folders.size > MAX_RECORDINGS };
    });
  }

  /**
   * One recording's status (from `calls/<call>/<recording>/` and its catalog records), with intake's expected record.
   * `lean` (the deadline watch): only what tells pending chunks from the others; failure outcomes are known from their
   * names (no bodies read, no `outcome` on the chunk) and anomalies are not read, so a reading's memory is its listings.
   */
  async readRecording(folder: string, options: { lean?: boolean } = {}): Promise<RecordingReading> {
    const [expected, contents, outcomes, anomalies] = await Promise.all([
      readJsonBlob(this.container, expectedRecordName(folder), MAX_EXPECTED_RECORD_BYTES).then(readExpectedRecording),
      readRecordingFolder(this.container, folder),
      this.outcomes(folder, !options.lean),
      options.lean ? new Map<string, ChunkAnomaly[]>() : new QueuedChunks(this.container).anomaliesOf(folder),
    ]);
    const info: RecordingInfo | undefined = expected ?? contents.info;
    const chunks = this.chunks(expected, contents, outcomes).map((chunk) => {
      const found = anomalies.get(chunkNameKey(chunk.index, chunk.documentId));
      return found && found.length > 0 ? { ...chunk, anomalies: found } : chunk;
    });
    const expectedChunks = info?.chunkCount ?? chunks.length;
    const archivedCount = chunks.filter((chunk) => chunk.state === "archived").length;
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
      complete: contents.manifestExists || archivedCount >= expectedChunks,
      manifest: contents.manifestExists ? `${this.container.containerName}/${manifestName(folder)}` : null,
      chunks,
    };
    return { status, expected };
  }

  private chunks(
    expected: ExpectedRecording | undefined,
    contents: RecordingFolderContents,
    outcomes: ReadonlyMap<string, ChunkOutcome | null>,
  ): ChunkStatus[] {
    const now = this.now().getTime();
    const known = new Map<string, { index: number; deadline: string | null }>();
    for (const chunk of expected?.chunks ?? []) known.set(chunk.documentId, { index: chunk.index, deadline: chunk.deadline });
    for (const chunk of contents.chunks.values()) if (!known.has(chunk.documentId)) known.set(chunk.documentId, { index: chunk.index, deadline: null });
    for (const outcome of outcomes.values())
      if (outcome && !known.has(outcome.documentId)) known.set(outcome.documentId, { index: outcome.index, deadline: outcome.deadline });
    const at = (name: string): string => `${this.container.containerName}/${name}`;
    return [...known.entries()]
      .map(([documentId, { index, deadline }]): ChunkStatus => {
        const blobs = contents.chunks.get(documentId);
        const outcomeKey = chunkNameKey(index, documentId);
        const outcome = outcomes.get(outcomeKey);
        const hoursLeft = deadline === null ? null : Math.round(((Date.parse(deadline) - now) / 3_600_000) * 100) / 100;
        const base = { index, documentId, deadline, hoursLeft };
        if (blobs?.media && blobs.metadata) {
          return {
            ...base,
            state: "archived",
            media: {
              blob: at(blobs.media.name),
              bytes: blobs.media.bytes,
              sha256: blobs.media.sha256 ?? null,
              ...(blobs.media.store ? { store: blobs.media.store } : {}),
            },
            metadata: { blob: at(blobs.metadata.name), bytes: blobs.metadata.bytes },
          };
        }
        if (outcome) return { ...base, state: outcome.outcome === "expired" ? "expired" : "failed", outcome };
        if (outcomes.has(outcomeKey)) return { ...base, state: "failed" };
        // Not archived, nothing recorded, and the deadline is behind us: ACS may have deleted it.
        if (hoursLeft !== null && hoursLeft < 0) return { ...base, state: "expired" };
        return { ...base, state: "pending" };
      })
      .sort((a, b) => a.index - b.index || a.documentId.localeCompare(b.documentId));
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
    const read = await mapConcurrent([...latest.values()], 8, async (name) => readChunkOutcome(await readJsonBlob(this.container, name, 64 * 1024)));
    for (const result of read) {
      if (result.status === "rejected") throw result.reason;
      // Keyed by what the record says; a blob that is not an outcome record counts for nothing.
      if (result.value) byChunk.set(chunkNameKey(result.value.index, result.value.documentId), result.value);
    }
    return byChunk;
  }
}
