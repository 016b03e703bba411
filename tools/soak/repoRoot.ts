import { existsSync } from "node:fs";
import { dirname, join } from "node:path";

/** The repository root (the folder with package.json and host.json), from source or from dist/. */
export function repoRoot(from: string = __dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, "package.json")) && existsSync(join(dir, "host.json"))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json with host.json above ${from}`);
  }
}

/** The compiled soak worker (npm test builds it before vitest runs). */
export function compiledWorkerScript(): string {
  return join(repoRoot(), "dist", "tools", "soak", "soakWorker.js");
}
