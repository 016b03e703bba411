// Integration tier. Needs: dist/.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const root = resolve(__dirname, "..", "..");
const index = join(root, "dist", "src", "index.js");

describe("telemetry at cold start", () => {
  it("the compiled app loads neither the Azure Monitor distro nor the Functions instrumentation without APPLICATIONINSIGHTS_CONNECTION_STRING", () => {
    if (!existsSync(index))
      execFileSync(
        process.execPath,
        [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", join(root, "tsconfig.json")],
        { stdio: "inherit" },
      );
    const script = `require(${JSON.stringify(index)}); const loaded = Object.keys(require.cache); process.stdout.write(JSON.stringify({ monitor: loaded.some((k) => k.includes("monitor-opentelemetry")), instrumentation: loaded.some((k) => k.includes("functions-opentelemetry-instrumentation")), api: loaded.some((k) => k.includes("@opentelemetry" + require("path").sep + "api")) }));`;
    const output = execFileSync(process.execPath, ["-e", script], {
      cwd: root,
      env: { PATH: process.env["PATH"] ?? "" },
      encoding: "utf8",
    });
    expect(JSON.parse(output)).toEqual({ monitor: false, instrumentation: false, api: false });
  });

  it("starts without telemetry, one warning naming the setting, when APPLICATIONINSIGHTS_AUTHENTICATION_STRING cannot be honoured", () => {
    if (!existsSync(index))
      execFileSync(
        process.execPath,
        [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", join(root, "tsconfig.json")],
        { stdio: "inherit" },
      );
    const script = `require(${JSON.stringify(index)}); const loaded = Object.keys(require.cache); process.stdout.write(JSON.stringify({ monitor: loaded.some((k) => k.includes("monitor-opentelemetry")) }));`;
    const run = spawnSync(process.execPath, ["-e", script], {
      cwd: root,
      env: {
        PATH: process.env["PATH"] ?? "",
        APPLICATIONINSIGHTS_CONNECTION_STRING:
          "InstrumentationKey=00000000-0000-4000-8000-000000000000;IngestionEndpoint=https://ingestion.example/",
        APPLICATIONINSIGHTS_AUTHENTICATION_STRING: "Authorization=Key;Secret=do-not-print",
      },
      encoding: "utf8",
    });
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ monitor: false });
    const warnings = run.stderr
      .split("\n")
      .filter((line) => line.includes("Telemetry to Application Insights could not start"));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("APPLICATIONINSIGHTS_AUTHENTICATION_STRING");
    expect(run.stderr).not.toContain("do-not-print");
  });
});
