import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, rmSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";

/** The folders tsconfig.json compiles into dist/ (its "include"). */
const SOURCE_ROOTS = ["src", "tools", "scripts", "bench"];

/**
 * Why dist/ does not match the sources, or undefined when it does: a source without its compiled file, a
 * source newer than its compiled file, or a compiled file whose source is gone (package.json `main` globs
 * dist/src/functions/*.js, so a stale file there would still be registered as a function).
 */
export function staleCompiledApp(root: string): string | undefined {
  const dist = join(root, "dist");
  if (!existsSync(dist)) return "dist/ does not exist";
  for (const folder of SOURCE_ROOTS) {
    for (const source of filesUnder(join(root, folder), ".ts")) {
      const compiled = join(dist, relative(root, source)).replace(/\.ts$/, ".js");
      if (!existsSync(compiled)) return `${relative(root, compiled)} is missing`;
      if (statSync(compiled).mtimeMs < statSync(source).mtimeMs)
        return `${relative(root, source)} is newer than ${relative(root, compiled)}`;
    }
    for (const compiled of filesUnder(join(dist, folder), ".js")) {
      const source = join(root, relative(dist, compiled)).replace(/\.js$/, ".ts");
      if (!existsSync(source)) return `${relative(root, compiled)} has no source (${relative(root, source)} is gone)`;
    }
  }
  return undefined;
}

/** Rebuilds dist/ from scratch (npm run clean && npm run build) when it does not match the sources. */
export function ensureCompiledApp(root: string, log: (line: string) => void): void {
  const stale = staleCompiledApp(root);
  if (stale === undefined) return;
  log(`Integration tests load the compiled app, and ${stale}: rebuilding dist/ (tsc -p tsconfig.json).`);
  rmSync(join(root, "dist"), { recursive: true, force: true });
  const tsc = require.resolve("typescript/bin/tsc", { paths: [root] });
  try {
    execFileSync(process.execPath, [tsc, "-p", join(root, "tsconfig.json")], { cwd: root, stdio: "inherit" });
  } catch (error) {
    throw new Error(
      "The build failed (see the tsc output above); integration tests need dist/. Fix it, or run npm run build.",
      { cause: error },
    );
  }
}

function filesUnder(folder: string, extension: string): string[] {
  if (!existsSync(folder)) return [];
  return readdirSync(folder, { recursive: true, encoding: "utf8" })
    .filter((name) => name.endsWith(extension) && !name.endsWith(`.d${extension}`))
    .map((name) => resolve(folder, name));
}
