// Integration tier. Needs: dist/.
import { spawnSync } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(__dirname, "..", "..");

describe("npm start without Azure Functions Core Tools", () => {
  it("says so in one clear message, with how to install it, and exits non-zero", () => {
    const settings = join(root, "local.settings.json");
    const hadSettings = existsSync(settings);
    try {
      const run = spawnSync(process.execPath, [join(root, "dist", "scripts", "start.js")], {
        cwd: root,
        env: { ...process.env, FUNC_PATH: join(root, "no-such-func") },
        encoding: "utf8",
        timeout: 60_000,
      });
      expect(run.status).toBe(1);
      expect(run.stderr).toContain("Azure Functions Core Tools (func) is not available");
      expect(run.stderr).toContain("npm install --global azure-functions-core-tools@4");
      expect(existsSync(settings)).toBe(true);
    } finally {
      if (!hadSettings) rmSync(settings, { force: true });
    }
  });
});
