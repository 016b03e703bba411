import { describe, expect, it } from "vitest";
import { health } from "../../src/functions/health";
import type { HealthCheck, HealthReport } from "../../src/health/healthCheck";
import { callHttp, fakeService, functionRequest, loggedText } from "../support/handlerHarness";

const PROBE = { ok: true, detail: "answered", ms: 3 };
const HEALTHY: HealthReport = {
  healthy: true,
  configuration: { valid: true },
  dependencies: { hostStorage: PROBE, archiveContainer: PROBE, acsEndpoint: PROBE },
};
const BAD_SETTING: HealthReport = {
  healthy: false,
  configuration: {
    valid: false,
    invalidSetting: "ACS_CONNECTION_STRING",
    problem: "missing",
    message: "The app is not configured: setting ACS_CONNECTION_STRING is not set.",
  },
  dependencies: { ...HEALTHY.dependencies, acsEndpoint: { ok: false, detail: "no answer within 5 s", ms: 5000 } },
};

function checkOf(report: HealthReport): () => HealthCheck {
  const check = fakeService<HealthCheck>({ run: () => Promise.resolve(report) });
  return () => check;
}

describe("health: GET /api/health", () => {
  it("200 with the report, never cached, logging nothing, when everything answers", async () => {
    const answer = await callHttp(health(checkOf(HEALTHY)), functionRequest({ path: "health" }));
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual(HEALTHY);
    expect(answer.headers.get("cache-control")).toBe("no-store");
    expect(answer.logs).toEqual([]);
  });

  it("503 with the same report shape naming the bad setting and the silent dependency, and one warning", async () => {
    const answer = await callHttp(health(checkOf(BAD_SETTING)), functionRequest({ path: "health" }));
    expect(answer.status).toBe(503);
    expect(answer.json).toEqual(BAD_SETTING);
    expect(answer.headers.get("cache-control")).toBe("no-store");
    expect(answer.logs.map((line) => line.level)).toEqual(["warning"]);
    expect(loggedText(answer.logs)).toContain("ACS_CONNECTION_STRING");
  });
});
