import type { SoakReport } from "./soakReport";

const MIB = 1024 * 1024;

function mib(bytes: number): string {
  return `${(bytes / MIB).toFixed(1)} MiB`;
}

function table(rows: readonly (readonly [string, string | number])[]): string {
  return ["| | |", "|---|---|", ...rows.map(([label, value]) => `| ${label} | ${value} |`)].join("\n");
}

/** The soak's figures as Markdown (printed by the CLI, pasted into bench/README.md). */
export function renderMarkdown(report: SoakReport): string {
  const { verification: v, dispatch, kills, bytes, plan, feed } = report;
  const faults = Object.entries(report.faultsInjected).filter(([, count]) => count > 0);
  const reasons = Object.entries(dispatch.failureReasons)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 8);
  return [
    `## Soak ${report.passed ? "PASSED" : "FAILED"} (seed ${report.seed})`,
    "",
    `Source ${report.source.commit.slice(0, 12)}${report.source.changedFiles.length > 0 ? ` + uncommitted changes in ${report.source.changedFiles.join(", ")}` : ""}. ` +
      `${report.startedAt}, ${report.machine.cpus} x ${report.machine.cpuModel}, ${report.machine.memoryGiB} GiB, Node ${report.machine.node}. ` +
      `Duration ${(report.durationMs / 1000).toFixed(1)} s (setup ${(report.phasesMs.setup / 1000).toFixed(1)} s, archive ${(report.phasesMs.archive / 1000).toFixed(1)} s, verify ${(report.phasesMs.verify / 1000).toFixed(1)} s).`,
    "",
    "### Outcome",
    table([
      ["chunk identities", v.chunks],
      ["archived byte for byte (SHA-256 = source)", `${v.archived} (${mib(v.archivedBytes)})`],
      ["failed for good, with an outcome record", `${v.recorded} of ${plan.permanentChunks}`],
      [
        "missing / duplicated / partial / corrupt",
        `${v.missing.length} / ${v.duplicated.length} / ${v.partial.length} / ${v.corrupt.length}`,
      ],
      ["metadata problems / stray blobs", `${v.metadata.length} / ${v.stray.length}`],
      ["unexpected outcome records", v.unexpectedRecords.length],
      ["poison messages", dispatch.poisoned],
      ["hung invocations (no answer within the watchdog)", dispatch.hung.length],
      [
        "resume bound (<= concurrency x block per interruption)",
        `${v.resumeChecked - v.resumeBoundViolations.length} of ${v.resumeChecked} chunks within`,
      ],
      ["secrets in logs", report.logs.secretLeaks],
    ]),
    "",
    "### Load",
    table([
      ["recordings (preview era)", `${plan.recordings} (${plan.previewRecordings})`],
      ["chunk sizes", `${mib(plan.totalBytes)} in all, largest ${mib(plan.largestBytes)}`],
      [
        "event deliveries / events delivered / repeats",
        `${feed.deliveries} / ${feed.eventsDelivered} / ${feed.repeatsDelivered}`,
      ],
      ["queue messages from intake", feed.messagesEnqueued],
      [
        "invocations (succeeded / released / killed)",
        `${dispatch.invocations} (${dispatch.succeeded} / ${dispatch.released} / ${kills.invocationsKilled})`,
      ],
      [
        "invocation time p50 / p95 / max",
        `${dispatch.invocationMs.p50} / ${dispatch.invocationMs.p95} / ${dispatch.invocationMs.max} ms`,
      ],
      ["highest dequeue count", dispatch.maxDequeueCount],
      ["documents with faults / served without Range", `${plan.faultyDocuments} / ${plan.ignoreRangeDocuments}`],
    ]),
    "",
    "### Faults and kills survived",
    table([
      ...faults.map(([kind, count]): [string, number] => [`fault: ${kind}`, count]),
      [
        "worker SIGKILLs (planned, fired, missed, spared)",
        `${kills.kills} (${kills.planned}, ${kills.fired}, ${kills.missed}, ${kills.spared})`,
      ],
      ["worker processes started", kills.spawned],
      [
        "worker peak RSS (ARCHIVE_MEMORY_BUDGET)",
        `${mib(kills.workerPeakRssBytes)} (${typeof report.settings["ARCHIVE_MEMORY_BUDGET"] === "number" ? mib(report.settings["ARCHIVE_MEMORY_BUDGET"]) : "default"})`,
      ],
      ["lock renewals / stale receipts", `${dispatch.lockRenewals} / ${dispatch.lockLost}`],
    ]),
    "",
    "### Bytes",
    table([
      ["downloaded from ACS (media)", mib(bytes.contentServed)],
      ["archived", mib(bytes.archived)],
      ["re-download overhead", `${bytes.overheadPercent.toFixed(1)} %`],
    ]),
    "",
    v.topOverheads.length > 0
      ? `Most bytes downloaded again:\n${v.topOverheads.map((line) => `- ${line}`).join("\n")}\n`
      : "",
    reasons.length > 0
      ? `Why invocations failed: ${reasons.map(([reason, count]) => `${count} x ${reason}`).join("; ")}`
      : "",
    report.failures.length > 0 ? `\n**Failures**\n${report.failures.map((line) => `- ${line}`).join("\n")}` : "",
  ].join("\n");
}
