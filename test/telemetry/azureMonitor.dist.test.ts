import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const root = resolve(__dirname, "..", "..");
const index = join(root, "dist", "src", "index.js");

describe("telemetry at cold start", () => {
  it("the compiled app loads neither the Azure Monitor distro nor the Functions instrumentation without APPLICATIONINSIGHTS_CONNECTION_STRING", () => {
    if (!existsSync(index))
      execFileSync(process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", join(root, "tsconfig.json")], { stdio: "inherit" });
    const script = `require(${JSON.stringify(index)}); const loaded = Object.keys(require.cache); process.stdout.write(JSON.stringify({ monitor: loaded.some((k) => k.includes("monitor-opentelemetry")), instrumentation: loaded.some((k) => k.includes("functions-opentelemetry-instrumentation")), api: loaded.some((k) => k.includes("@opentelemetry" + require("path").sep + "api")) }));`;
    const output = execFileSync(process.execPath, ["-e", script], { cwd: root, env: { PATH: process.env["PATH"] ?? "" }, encoding: "utf8" });
    expect(JSON.parse(output)).toEqual({ monitor: false, instrumentation: false, api: false });
  });
});
