/** What happened to one chunk, as the command line reports it on stdout. */
export type ChunkOutcome =
  | "archived"
  | "alreadyArchived"
  | "failed"
  | "expired"
  | "rejected"
  | "retriesExhausted"
  | "unverifiable"
  | "requeued"
  /** A data-subject erasure removed the chunk: deliberately not archived again (not a failure). */
  | "erased";

export interface ChunkReport {
  readonly chunkKey: string;
  readonly documentId: string;
  readonly index: number;
  readonly eventId: string;
  /** `<container>/<blob>` where the media is (or would be) archived. */
  readonly blob: string;
  readonly metadataBlob: string;
  /** Bytes of the archived media; 0 when the chunk was not archived. */
  readonly bytes: number;
  readonly outcome: ChunkOutcome;
  /** Why the chunk was not archived (secret-free). */
  readonly reason?: string;
  /** `<container>/archive-failures/...` outcome record, when one was written. */
  readonly failureRecord?: string;
  /** requeued: the job put the chunk back on the app's queue; the Functions app retries it after this delay. */
  readonly requeuedForSeconds?: number;
  /** How many times the archive job ran for this chunk (the command's own "redeliveries"). */
  readonly attempts: number;
  readonly downloadedBytes?: number;
  readonly resumedBlocks?: number;
}

/** An event that failed validation and was kept in the quarantine container (as intake keeps it). */
export interface RejectedEventReport {
  /** Position of the event in the input. */
  readonly position: number;
  readonly eventId?: string;
  readonly code: string;
  readonly field?: string;
  readonly message: string;
  /** `<container>/<blob>`; null when even the quarantine write failed (see quarantineError). */
  readonly keptAt: string | null;
  readonly quarantineError?: string;
}

export interface EventsReport {
  readonly received: number;
  /** RecordingFileStatusUpdated events that passed validation. */
  readonly accepted: number;
  /** Events of other types (acknowledged and skipped, as intake does). */
  readonly ignored: number;
  readonly rejected: readonly RejectedEventReport[];
}

export interface Totals {
  readonly chunks: number;
  readonly archived: number;
  readonly alreadyArchived: number;
  /** Chunks a data-subject erasure removed (not archived again; not failures). */
  readonly erased: number;
  readonly failed: number;
  readonly rejectedEvents: number;
  /** Bytes of media archived or found archived. */
  readonly bytes: number;
}

export interface RunSummary {
  readonly command: "archive" | "replay";
  readonly recordingsContainer: string;
  /** For archive: what validation made of the input; for replay: absent. */
  readonly events?: EventsReport;
  /** For replay: the failure record that was replayed. */
  readonly replayOf?: string;
  readonly chunks: readonly ChunkReport[];
  readonly totals: Totals;
  readonly exitCode: 0 | 1;
}

const SUCCESS: ReadonlySet<ChunkOutcome> = new Set(["archived", "alreadyArchived"]);

export function isSuccess(outcome: ChunkOutcome): boolean {
  return SUCCESS.has(outcome);
}

export function totalsOf(chunks: readonly ChunkReport[], rejectedEvents: number): Totals {
  return {
    chunks: chunks.length,
    archived: chunks.filter((chunk) => chunk.outcome === "archived").length,
    alreadyArchived: chunks.filter((chunk) => chunk.outcome === "alreadyArchived").length,
    erased: chunks.filter((chunk) => chunk.outcome === "erased").length,
    failed: chunks.filter((chunk) => !isSuccess(chunk.outcome) && chunk.outcome !== "erased").length,
    rejectedEvents,
    bytes: chunks.reduce((sum, chunk) => sum + (isSuccess(chunk.outcome) ? chunk.bytes : 0), 0),
  };
}

/** 0 when every chunk is archived or already was and no event was rejected; 1 otherwise. */
export function exitCodeOf(totals: Totals): 0 | 1 {
  return totals.failed === 0 && totals.rejectedEvents === 0 ? 0 : 1;
}

/** One human line for stderr: `3 chunks: 2 archived, 1 already archived (12.0 MiB); 0 failed; 0 events rejected`. */
export function summaryLine(summary: RunSummary, formatBytes: (bytes: number) => string): string {
  const { totals } = summary;
  const events = summary.events
    ? `; ${totals.rejectedEvents} event(s) rejected, ${summary.events.ignored} ignored`
    : "";
  const erased = totals.erased > 0 ? `; ${totals.erased} erased (not archived again)` : "";
  return `${totals.chunks} chunk(s): ${totals.archived} archived, ${totals.alreadyArchived} already archived (${formatBytes(totals.bytes)})${erased}; ${totals.failed} failed${events}.`;
}
