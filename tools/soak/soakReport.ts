import type { FaultKind } from "../acsSimulator";
import type { DispatchStats } from "./dispatchStats";
import type { FeedReport } from "./feedRunner";
import type { KillStats } from "./killPlanner";
import type { Verification } from "./verify";
import type { LogFigures } from "./workerLog";
import type { PoolStats } from "./workerPool";

/** Everything a soak run measured and checked (written as JSON, rendered as Markdown). */
export interface SoakReport {
  readonly seed: number;
  readonly startedAt: string;
  /** The code under test: git commit, and files of src/ changed since (others may be editing them). */
  readonly source: { readonly commit: string; readonly changedFiles: readonly string[] };
  readonly machine: {
    readonly cpus: number;
    readonly cpuModel: string;
    readonly memoryGiB: number;
    readonly node: string;
    readonly platform: string;
  };
  readonly settings: Record<string, string | number>;
  readonly durationMs: number;
  readonly phasesMs: { readonly setup: number; readonly archive: number; readonly verify: number };
  readonly plan: {
    readonly recordings: number;
    readonly chunks: number;
    readonly permanentChunks: number;
    readonly faultyDocuments: number;
    readonly ignoreRangeDocuments: number;
    readonly previewRecordings: number;
    readonly repeatedEvents: number;
    readonly totalBytes: number;
    readonly largestBytes: number;
    readonly faultsPlanned: Record<string, number>;
  };
  readonly feed: FeedReport;
  readonly dispatch: DispatchStats;
  readonly kills: KillStats & PoolStats;
  readonly faultsInjected: Record<FaultKind, number>;
  readonly bytes: {
    readonly contentServed: number;
    readonly archived: number;
    readonly overheadPercent: number;
    readonly metadataServed: number;
  };
  readonly logs: LogFigures;
  readonly verification: Verification;
  readonly passed: boolean;
  readonly failures: readonly string[];
}

/** Why a run failed, one line each (empty when it passed). */
export function failuresOf(report: Omit<SoakReport, "passed" | "failures">): string[] {
  const { verification: v, dispatch, feed, kills, logs } = report;
  const failures: string[] = [];
  const list = (label: string, items: readonly string[]): void => {
    if (items.length > 0)
      failures.push(`${items.length} ${label}: ${items.slice(0, 5).join("; ")}${items.length > 5 ? "; ..." : ""}`);
  };
  list("missing", v.missing);
  list("duplicated", v.duplicated);
  list("partially committed", v.partial);
  list("corrupt", v.corrupt);
  list("metadata problems", v.metadata);
  list("stray blobs", v.stray);
  list("unexpected outcome records", v.unexpectedRecords);
  list("malformed outcome records", v.recordProblems);
  list("wrong DELETE_AFTER_ARCHIVE outcomes", v.acsCopies);
  list("resume bound violations", v.resumeBoundViolations);
  list("harness errors", dispatch.harnessErrors);
  list("hung invocations", dispatch.hung);
  if (v.quarantined > 0) failures.push(`${v.quarantined} events were quarantined by intake`);
  if (v.foreignRequests > 0) failures.push(`${v.foreignRequests} requests reached the foreign (non-ACS) host`);
  if (dispatch.poisoned > 0)
    failures.push(
      `${dispatch.poisoned} messages went to poison (every fault was transient or recorded): ${dispatch.poisonedMessages.slice(0, 5).join("; ")}`,
    );
  if (dispatch.strandedMessages > 0)
    failures.push(
      `${dispatch.strandedMessages} messages were left on the queue with a long delay (re-queued after their deliveries ran out)`,
    );
  if (dispatch.timedOut) failures.push("the run hit its time limit before the queue was drained");
  if (feed.lostDeliveries > 0 || feed.eventsRejected > 0)
    failures.push(`intake lost ${feed.lostDeliveries} deliveries and rejected ${feed.eventsRejected} events`);
  if (kills.unexpectedExits > 0) failures.push(`${kills.unexpectedExits} worker processes died by themselves`);
  if (logs.secretLeaks > 0) failures.push(`${logs.secretLeaks} log lines carry the access key or a signature`);
  return failures;
}
