/**
 * The deployment package: exactly what Azure Functions runs — host.json, package.json, the compiled
 * app (dist/src, without source maps) and the production dependencies (package-lock.json entries
 * that are neither dev nor optional, so no Core Tools, test runner, emulator or compiler).
 *
 *   node dist/scripts/deployPackage.js                 list and measure (nothing written)
 *   node dist/scripts/deployPackage.js --out <dir>     stage it into <dir> (azd zips .deploy/package)
 *
 * Dependencies are copied from this checkout's node_modules (installed from the lock file), so
 * staging needs no network and ships the versions that were tested.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { deflateRawSync } from "node:zlib";

export interface PackageFile {
  /** Relative to the repository root and to the package root, with `/` separators. */
  readonly path: string;
  readonly bytes: number;
}

interface LockEntry {
  readonly dev?: boolean;
  readonly optional?: boolean;
  readonly devOptional?: boolean;
  readonly link?: boolean;
}

const APP_FILES = ["host.json", "package.json"];
const APP_DIR = "dist/src";
const ZIP_HEADER_BYTES = 30 + 46 + 16;

/** `node_modules/...` directories of the production dependency tree, from package-lock.json. */
export function productionPackageDirs(root: string): string[] {
  const lock = JSON.parse(readFileSync(join(root, "package-lock.json"), "utf8")) as {
    packages?: Record<string, LockEntry>;
  };
  return Object.entries(lock.packages ?? {})
    .filter(
      ([key, entry]) =>
        key.startsWith("node_modules/") && !entry.dev && !entry.optional && !entry.devOptional && !entry.link,
    )
    .map(([key]) => key)
    .sort();
}

function walk(
  root: string,
  dir: string,
  keep: (path: string) => boolean,
  skipDir: (name: string) => boolean,
  out: PackageFile[],
): void {
  for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`;
    const stats = statSync(join(root, path));
    if (stats.isDirectory()) {
      if (!skipDir(entry.name)) walk(root, path, keep, skipDir, out);
    } else if (stats.isFile() && keep(path)) {
      out.push({ path, bytes: stats.size });
    }
  }
}

/** Every file of the deployment package, read from a built checkout (`npm run build` first). */
export function deploymentFiles(root: string): PackageFile[] {
  if (!existsSync(join(root, APP_DIR, "index.js")))
    throw new Error(`${APP_DIR}/index.js is missing: run npm run build first.`);
  const files: PackageFile[] = APP_FILES.map((path) => ({ path, bytes: statSync(join(root, path)).size }));
  walk(
    root,
    APP_DIR,
    (path) => path.endsWith(".js"),
    () => false,
    files,
  );
  for (const dir of productionPackageDirs(root)) {
    if (!existsSync(join(root, dir, "package.json"))) throw new Error(`${dir} is missing: run npm ci first.`);
    // A nested node_modules holds other lock entries (listed, and filtered, on their own).
    walk(
      root,
      dir,
      () => true,
      (name) => name === "node_modules",
      files,
    );
  }
  return files;
}

/**
 * The staged package's own .funcignore. azd zips the package root and applies the ignore file it finds there; without
 * one, azd before 1.23.12 applied its defaults, which drop node_modules (the app then cannot load @azure/functions).
 * This one ignores nothing, so every azd version ships exactly what was staged (azd never zips the file itself).
 */
export const STAGED_FUNCIGNORE =
  "# The staged deployment package (scripts/deployPackage.ts): compiled app and production dependencies only.\n" +
  "# Nothing here is to be ignored; this file only stops azd from applying default ignores (node_modules).\n";

export function stageDeployment(root: string, out: string, files: readonly PackageFile[]): void {
  rmSync(out, { recursive: true, force: true });
  for (const file of files) {
    const target = join(out, file.path);
    mkdirSync(dirname(target), { recursive: true });
    cpSync(join(root, file.path), target, { dereference: true });
  }
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, ".funcignore"), STAGED_FUNCIGNORE);
}

export interface PackageSummary {
  readonly files: number;
  readonly bytes: number;
  /**
   * Estimated size of the zip azd or Core Tools uploads: each file deflated, plus its zip headers (local
   * header, central directory entry and data descriptor: 92 bytes and the name twice).
   */
  readonly zipBytes: number;
  readonly largestPackages: readonly { readonly name: string; readonly bytes: number }[];
}

export function summarize(root: string, files: readonly PackageFile[]): PackageSummary {
  const perPackage = new Map<string, number>();
  let zipBytes = 0;
  for (const file of files) {
    zipBytes +=
      deflateRawSync(readFileSync(join(root, file.path))).length + ZIP_HEADER_BYTES + 2 * Buffer.byteLength(file.path);
    const match = /^node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file.path);
    const name = match?.[1] ?? "(app)";
    perPackage.set(name, (perPackage.get(name) ?? 0) + file.bytes);
  }
  const largestPackages = [...perPackage]
    .map(([name, bytes]) => ({ name, bytes }))
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, 8);
  return { files: files.length, bytes: files.reduce((sum, file) => sum + file.bytes, 0), zipBytes, largestPackages };
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

function main(argv: readonly string[]): void {
  const root = resolve(__dirname, "..", "..");
  const outIndex = argv.indexOf("--out");
  const files = deploymentFiles(root);
  const summary = summarize(root, files);
  if (outIndex >= 0) {
    const out = resolve(root, argv[outIndex + 1] ?? ".deploy/package");
    stageDeployment(root, out, files);
    console.log(`Staged the deployment package in ${out}.`);
  }
  console.log(`${summary.files} files, ${mib(summary.bytes)} (a zip of about ${mib(summary.zipBytes)}).`);
  console.log(`Largest: ${summary.largestPackages.map((entry) => `${entry.name} ${mib(entry.bytes)}`).join(", ")}`);
}

if (require.main === module) main(process.argv.slice(2));
