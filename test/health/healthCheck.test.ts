import { describe, expect, it } from "vitest";
import { HealthCheck, type DependencyProbe, type ProbeResult } from "../../src/health/healthCheck";

const ok: DependencyProbe = () => Promise.resolve({ ok: true, detail: "answered" });
const VALID = { valid: true } as const;

describe("HealthCheck: every probe bounded, healthy only when all answer and the settings are valid", () => {
  it("healthy when the configuration is valid and every probe answers ok; each result carries its time", async () => {
    const report = await new HealthCheck(VALID, { hostStorage: ok, archiveContainer: ok, acsEndpoint: ok }).run();
    expect(report.healthy).toBe(true);
    expect(report.configuration).toEqual(VALID);
    for (const name of ["hostStorage", "archiveContainer", "acsEndpoint"] as const) {
      expect(report.dependencies[name]).toMatchObject({ ok: true, detail: "answered" });
      expect(report.dependencies[name].ms).toBeGreaterThanOrEqual(0);
    }
  });

  it("unhealthy when one probe says no; the others are still reported", async () => {
    const refused: DependencyProbe = () => Promise.resolve({ ok: false, detail: "the container does not exist" });
    const report = await new HealthCheck(VALID, { hostStorage: ok, archiveContainer: refused, acsEndpoint: ok }).run();
    expect(report.healthy).toBe(false);
    expect(report.dependencies.archiveContainer).toMatchObject({ ok: false, detail: "the container does not exist" });
    expect(report.dependencies.hostStorage.ok).toBe(true);
  });

  it("a probe that throws is reported as failed, without its error text", async () => {
    const throwing: DependencyProbe = () => Promise.reject(new Error("AccountKey=c2VjcmV0 refused"));
    const report = await new HealthCheck(VALID, { hostStorage: throwing, archiveContainer: ok, acsEndpoint: ok }).run();
    expect(report.healthy).toBe(false);
    expect(report.dependencies.hostStorage).toMatchObject({ ok: false, detail: "the probe failed" });
    expect(JSON.stringify(report)).not.toContain("AccountKey");
  });

  it("a probe that never settles, even ignoring its signal, is given up at the deadline and its signal aborted", async () => {
    let aborted = false;
    const silent: DependencyProbe = (signal) => {
      signal.addEventListener("abort", () => (aborted = true));
      return new Promise<ProbeResult>(() => undefined);
    };
    const report = await new HealthCheck(
      VALID,
      { hostStorage: ok, archiveContainer: ok, acsEndpoint: silent },
      20,
    ).run();
    expect(report.healthy).toBe(false);
    expect(report.dependencies.acsEndpoint).toMatchObject({ ok: false, detail: "no answer within 0.02 s" });
    expect(aborted).toBe(true);
  });

  it("unhealthy with a bad setting even when every dependency answers", async () => {
    const configuration = {
      valid: false,
      invalidSetting: "RECORDINGS_CONTAINER",
      problem: "invalid" as const,
      message: "setting RECORDINGS_CONTAINER is not valid",
    };
    const report = await new HealthCheck(configuration, {
      hostStorage: ok,
      archiveContainer: ok,
      acsEndpoint: ok,
    }).run();
    expect(report.healthy).toBe(false);
    expect(report.configuration).toEqual(configuration);
  });
});
