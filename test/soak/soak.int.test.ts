// Integration tier. Needs: dist/ (the soak starts its own Azurite and ACS simulator).
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { renderMarkdown } from "../../tools/soak/markdown";
import { compiledWorkerScript } from "../../tools/soak/repoRoot";
import { runSoak } from "../../tools/soak/runSoak";
import { SHORT_SOAK } from "../../tools/soak/soakOptions";

/** Fixed, so the short soak is the same in every `npm test`; SOAK_SEED=<n> replays another. */
const SEED = Number(process.env["SOAK_SEED"] ?? 20_261_122);

const scratch = mkdtempSync(join(tmpdir(), "soak-test-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("short soak: the queue trigger on Azurite, with faults in ACS and killed worker processes", () => {
  it("archives every chunk byte for byte or records why not; nothing missing, duplicated, corrupt or poisoned", async () => {
    const worker = compiledWorkerScript();
    expect(existsSync(worker), `${worker} is missing: npm test builds dist/ before vitest runs`).toBe(true);
    const progress: string[] = [];
    const report = await runSoak({
      ...SHORT_SOAK,
      seed: SEED,
      workerLogPath: join(scratch, "worker.log"),
      log: (line) => progress.push(line),
    });
    const summary = `${renderMarkdown(report)}\n\nworker log: ${report.logs.path}\n${progress.join("\n")}`;

    expect(report.failures, summary).toEqual([]);
    expect(report.passed, summary).toBe(true);
    const { verification } = report;
    expect(verification.missing, summary).toEqual([]);
    expect(verification.archived + verification.recorded, summary).toBe(verification.chunks);
    expect(verification.recorded, summary).toBe(report.plan.permanentChunks);
    expect(report.dispatch.poisoned, summary).toBe(0);
    expect(report.logs.secretLeaks, summary).toBe(0);

    // The run really was hostile: faults injected, workers killed mid-archive, events delivered more than once.
    expect(
      Object.values(report.faultsInjected).reduce((sum, count) => sum + count, 0),
      summary,
    ).toBeGreaterThan(10);
    expect(report.kills.fired, summary).toBeGreaterThan(0);
    expect(report.feed.repeatsDelivered, summary).toBeGreaterThan(0);
    expect(report.dispatch.maxDequeueCount, summary).toBeGreaterThan(1);
  }, 150_000);
});
