import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const root = resolve(__dirname, "..", "..");
/** The compiled `recording-archiver` (package.json `bin`). */
const CLI_PATH = join(root, "dist", "src", "cli", "main.js");

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Compiles the app once when dist/ is missing (a test file run on its own). */
export function ensureCompiledCli(): void {
  if (!existsSync(CLI_PATH))
    execFileSync(
      process.execPath,
      [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", join(root, "tsconfig.json")],
      { stdio: "inherit" },
    );
}

/** Starts the compiled CLI in a clean environment (only PATH plus `env`), in `cwd`: for a test that stops it midway. */
export function spawnCompiledCli(
  args: readonly string[],
  options: { env?: Record<string, string>; cwd?: string } = {},
): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, [CLI_PATH, ...args], {
    cwd: options.cwd ?? tmpdir(),
    env: { PATH: process.env["PATH"] ?? "", ...options.env },
    stdio: ["pipe", "pipe", "pipe"],
  });
}

/** Runs the compiled CLI in a clean environment (only PATH plus `env`), in `cwd`, with optional stdin. */
export function runCompiledCli(
  args: readonly string[],
  options: { env?: Record<string, string>; cwd?: string; stdin?: string } = {},
): Promise<CliRun> {
  return new Promise((done, fail) => {
    const child = spawnCompiledCli(args, options);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (piece: Buffer) => (stdout += piece.toString("utf8")));
    child.stderr.on("data", (piece: Buffer) => (stderr += piece.toString("utf8")));
    child.once("error", fail);
    child.once("close", (code) => done({ code, stdout, stderr }));
    child.stdin.end(options.stdin ?? "");
  });
}
