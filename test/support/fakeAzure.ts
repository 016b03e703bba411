/**
 * Runs an azd hook (infra/hooks/*.sh, POSIX sh) against a fake `az` and a fake `azd`, as azd would run it.
 *
 * The fake `az` records every call (its arguments joined by spaces) and answers from rules: the first rule whose
 * regular expression matches the call answers it (stdout, stderr, exit code), optionally only from its n-th match on
 * or up to its n-th match (`from`, `until`), so a poll can see a resource appear. Unmatched calls succeed silently.
 * A PUT's `--body @file` is copied to body.json. The fake `azd` keeps its environment in a JSON file
 * (`env get-value`, `env get-values`, `env set`). `sleep` is a no-op, so bounded waits take no time.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "./bicepTree";

export interface FakeAzRule {
  /** A regular expression (source) matched against the call's arguments joined by spaces. */
  readonly match: string;
  readonly stdout?: string;
  readonly stderr?: string;
  readonly exit?: number;
  /** Answer only from this match of the rule on (1-based). */
  readonly from?: number;
  /** Answer only up to this match of the rule. */
  readonly until?: number;
}

export interface HookRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Every `az` call, in order. */
  readonly calls: string[];
  /** The fake azd environment after the run. */
  readonly azdEnv: Record<string, string>;
  /** What `azd env set` was called with, in order. */
  readonly azdSets: string[];
}

const FAKE_AZ = `#!/usr/bin/env node
const fs = require("fs"), path = require("path");
const dir = process.env.FAKE_DIR;
const call = process.argv.slice(2).join(" ");
fs.appendFileSync(path.join(dir, "calls.log"), call + "\\n");
const rules = JSON.parse(fs.readFileSync(path.join(dir, "rules.json"), "utf8"));
const countsFile = path.join(dir, "counts.json");
const counts = fs.existsSync(countsFile) ? JSON.parse(fs.readFileSync(countsFile, "utf8")) : {};
const body = /--body @(\\S+)/.exec(call);
if (/--method put/.test(call) && body) fs.copyFileSync(body[1], path.join(dir, "body.json"));
for (let i = 0; i < rules.length; i++) {
  const rule = rules[i];
  if (!new RegExp(rule.match).test(call)) continue;
  counts[i] = (counts[i] || 0) + 1;
  fs.writeFileSync(countsFile, JSON.stringify(counts));
  if (rule.from !== undefined && counts[i] < rule.from) continue;
  if (rule.until !== undefined && counts[i] > rule.until) continue;
  if (rule.stdout) process.stdout.write(rule.stdout);
  if (rule.stderr) process.stderr.write(rule.stderr);
  process.exit(rule.exit || 0);
}
process.exit(0);
`;

const FAKE_AZD = `#!/usr/bin/env node
const fs = require("fs"), path = require("path");
const file = path.join(process.env.FAKE_DIR, "azd-env.json");
const env = JSON.parse(fs.readFileSync(file, "utf8"));
const [group, verb, name, value] = process.argv.slice(2);
if (group !== "env") process.exit(2);
if (verb === "get-value") {
  if (env[name] === undefined) { process.stderr.write("ERROR: key '" + name + "' not found in the environment values\\n"); process.exit(1); }
  process.stdout.write(env[name] + "\\n");
} else if (verb === "get-values") {
  for (const [key, val] of Object.entries(env)) process.stdout.write(key + "=" + JSON.stringify(val) + "\\n");
} else if (verb === "set") {
  env[name] = value === undefined ? "" : value;
  fs.writeFileSync(file, JSON.stringify(env));
  fs.appendFileSync(path.join(process.env.FAKE_DIR, "azd-sets.log"), name + "=" + env[name] + "\\n");
} else process.exit(2);
`;

export class FakeAzure {
  readonly dir: string;

  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), "azd-hook-"));
    for (const [name, text] of [
      ["az", FAKE_AZ],
      ["azd", FAKE_AZD],
      ["sleep", "#!/bin/sh\nexit 0\n"],
    ] as const) {
      writeFileSync(join(this.dir, name), text);
      chmodSync(join(this.dir, name), 0o755);
    }
  }

  /**
   * Runs infra/hooks/<hook>.sh with these az rules. `azdEnv` is the azd environment (the fake azd's; absent: no azd
   * on the PATH is simulated by an empty environment file), `env` the process environment azd would export.
   */
  run(
    hook: string,
    options: { rules?: readonly FakeAzRule[]; azdEnv?: Record<string, string>; env?: Record<string, string> } = {},
  ): HookRun {
    for (const file of ["calls.log", "counts.json", "azd-sets.log", "body.json"])
      rmSync(join(this.dir, file), { force: true });
    writeFileSync(join(this.dir, "rules.json"), JSON.stringify(options.rules ?? []));
    writeFileSync(join(this.dir, "azd-env.json"), JSON.stringify(options.azdEnv ?? {}));
    const run = spawnSync("sh", [join(repoRoot, "infra", "hooks", `${hook}.sh`)], {
      encoding: "utf8",
      timeout: 60_000,
      env: { PATH: `${this.dir}:${process.env["PATH"] ?? ""}`, FAKE_DIR: this.dir, ...options.env },
    });
    return {
      status: run.status,
      stdout: run.stdout,
      stderr: run.stderr,
      calls: this.lines("calls.log"),
      azdEnv: JSON.parse(readFileSync(join(this.dir, "azd-env.json"), "utf8")) as Record<string, string>,
      azdSets: this.lines("azd-sets.log"),
    };
  }

  /** The body of the last PUT, parsed. */
  putBody<T>(): T {
    return JSON.parse(readFileSync(join(this.dir, "body.json"), "utf8")) as T;
  }

  hasPutBody(): boolean {
    return existsSync(join(this.dir, "body.json"));
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  private lines(file: string): string[] {
    const path = join(this.dir, file);
    return existsSync(path) ? readFileSync(path, "utf8").trim().split("\n").filter(Boolean) : [];
  }
}
