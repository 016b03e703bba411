import { cpSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "./repoRoot";

export interface AppSnapshot {
  /** The soak worker inside the snapshot. */
  readonly workerScript: string;
  dispose(): void;
}

/**
 * Copies the compiled app (dist/, package.json, host.json; node_modules linked) to a temporary folder, so
 * that workers respawned during a long run load the same code even if someone rebuilds or cleans dist/.
 */
export function snapshotCompiledApp(root: string = repoRoot()): AppSnapshot {
  const folder = mkdtempSync(join(tmpdir(), "soak-app-"));
  cpSync(join(root, "dist"), join(folder, "dist"), { recursive: true });
  cpSync(join(root, "package.json"), join(folder, "package.json"));
  cpSync(join(root, "host.json"), join(folder, "host.json"));
  symlinkSync(join(root, "node_modules"), join(folder, "node_modules"), "dir");
  return {
    workerScript: join(folder, "dist", "tools", "soak", "soakWorker.js"),
    dispose: () => rmSync(folder, { recursive: true, force: true }),
  };
}
