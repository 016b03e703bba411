// Integration tier. Needs: dist/ (the compiled demo starts its own Azurite and ACS simulator).
import { execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";

const root = resolve(__dirname, "..", "..");
const demoPath = join(root, "dist", "scripts", "demo.js");

beforeAll(() => {
  if (!existsSync(demoPath))
    execFileSync(
      process.execPath,
      [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", join(root, "tsconfig.json")],
      { stdio: "inherit" },
    );
}, 120_000);

describe("npm run demo (compiled)", () => {
  it("starts its own Azurite and simulator, archives three chunks, verifies them and exits 0", async () => {
    const started = Date.now();
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>(
      (done, fail) => {
        // No Azure settings in the environment: the demo must bring everything it needs.
        const child = spawn(process.execPath, [demoPath], {
          cwd: root,
          env: { PATH: process.env["PATH"] ?? "" },
          stdio: ["ignore", "pipe", "pipe"],
        });
        let out = "";
        let err = "";
        child.stdout.on("data", (piece: Buffer) => (out += piece.toString("utf8")));
        child.stderr.on("data", (piece: Buffer) => (err += piece.toString("utf8")));
        child.once("error", fail);
        child.once("close", (exitCode) => done({ code: exitCode, stdout: out, stderr: err }));
      },
    );
    expect(code, `${stdout}\n${stderr}`).toBe(0);
    expect(Date.now() - started).toBeLessThan(45_000);
    const rows = stdout.split("\n").filter((line) => /^\d\s+archived\s+recordings\/calls\/demo-call\//.test(line));
    expect(rows).toHaveLength(3);
    for (const row of rows) expect(row).toMatch(/\smatch\s+identical$/);
    expect(stdout).toMatch(/faults injected: .*reset x1.*status x1/);
    expect(stdout).toMatch(/0: alreadyArchived, 1: alreadyArchived, 2: alreadyArchived; 0 B of media downloaded/);
    expect(stdout).toMatch(/^OK: 3 chunks archived and verified/m);
    expect(stdout).toContain("Stopped Azurite, the simulator and the event receiver.");
    // The manifest and the RecordingArchived event the local Event Grid receiver got.
    expect(stdout).toMatch(
      /^The recording is complete: recordings\/calls\/demo-call\/[^/]+-demo-recording\/manifest\.json$/m,
    );
    expect(stdout).toMatch(/"schemaVersion": 1,/);
    expect(stdout.match(/"documentId": "demo-doc-\d"/g)).toHaveLength(3);
    expect(stdout).toMatch(
      /receiver got 1 event\(s\); 1 RecordingArchiver\.RecordingArchived \(one id: yes\), authenticated with the topic key/,
    );
    expect(stdout).toMatch(/"eventType": "RecordingArchiver\.RecordingArchived"/);
    expect(stdout).toMatch(/"subject": "recordings\/demo-call\/\d{4}-\d\d-\d\dT[\d:.]+Z"/);
    expect(stderr).toMatch(/warning: .*0001-demo-doc-1\.mp4 failed .*retrying/);
    expect(`${stdout}${stderr}`).not.toMatch(/accesskey=|AccountKey=/i);
  }, 60_000);
});
