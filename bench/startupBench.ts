/**
 * `npm run bench:startup`: how long loading the app takes, the way the Functions worker loads it on every cold start
 * and scale-out (every file package.json `main` names, with an injected @azure/functions-core), in fresh processes,
 * median of `--runs` (default 15), next to a bare `require("@azure/functions")`. `--bundle` also measures the app
 * bundled into one file by esbuild (the alternative to loading on first use; see bench/README.md);
 * `--compare <folder>` another compiled checkout (e.g. an older commit, built, with node_modules) the same way.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { buildSync } from "esbuild";
import { mainEntryFiles } from "../tools/functionsHost";
import { repoRoot } from "../tools/soak/repoRoot";

const root = repoRoot();
const probe = join(root, "dist", "bench", "startupProbe.js");
/** Valid settings, as a deployed app has them (the load must not depend on them, but this is the common case). */
const settings = {
  AzureWebJobsStorage: "UseDevelopmentStorage=true",
  ACS_CONNECTION_STRING: `endpoint=https://contoso.communication.azure.com/;accesskey=${Buffer.alloc(32, 7).toString("base64")}`,
  ALLOWED_ACS_RESOURCES:
    "/subscriptions/0/resourceGroups/rg/providers/Microsoft.Communication/communicationServices/acs",
};

interface Sample {
  readonly ms: number;
  readonly functions: number;
}

function measureOnce(variant: string, appRoot: string): Sample {
  const out = execFileSync(process.execPath, [probe, variant, appRoot], {
    env: { ...process.env, ...settings },
    encoding: "utf8",
  });
  return JSON.parse(out.trim().split("\n").pop() ?? "{}") as Sample;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

/** The compiled app bundled by esbuild into one file, in a folder whose package.json `main` names it. */
function bundleApp(): string {
  const folder = mkdtempSync(join(tmpdir(), "startup-bundle-"));
  const entry = join(folder, "entry.js");
  writeFileSync(
    entry,
    mainEntryFiles(root)
      .map((file) => `require(${JSON.stringify(file)});`)
      .join("\n"),
  );
  buildSync({
    entryPoints: [entry],
    bundle: true,
    platform: "node",
    target: "node20",
    outfile: join(folder, "app.js"),
    external: ["@azure/functions-core"],
    logLevel: "warning",
  });
  writeFileSync(join(folder, "package.json"), JSON.stringify({ main: "app.js" }));
  writeFileSync(join(folder, "host.json"), "{}");
  return folder;
}

function main(): void {
  const { values } = parseArgs({
    options: {
      runs: { type: "string", default: "15" },
      bundle: { type: "boolean", default: false },
      compare: { type: "string" },
    },
  });
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1)
    throw new Error(`--runs must be a whole number of at least 1; got "${values.runs}".`);
  const bundle = values.bundle ? bundleApp() : undefined;
  try {
    const variants: [string, string, string][] = [
      ["bare @azure/functions", "bare", root],
      ["app (package.json main)", "app", root],
      ...(bundle ? [["app bundled by esbuild", "app", bundle] as [string, string, string]] : []),
      ...(values.compare ? [[`compare: ${values.compare}`, "app", values.compare] as [string, string, string]] : []),
    ];
    // Warm the file cache, then interleave the variants run by run so that a busy moment slows all alike.
    for (const [, variant, appRoot] of variants) measureOnce(variant, appRoot);
    const samples = new Map<string, Sample[]>(variants.map(([label]) => [label, []]));
    for (let run = 0; run < runs; run++) {
      for (const [label, variant, appRoot] of variants) samples.get(label)?.push(measureOnce(variant, appRoot));
    }
    process.stdout.write(`Startup, ${runs} fresh processes each, Node ${process.version}:\n`);
    for (const [label, list] of samples) {
      const times = list.map((sample) => sample.ms);
      const functions = list[0]?.functions ?? 0;
      process.stdout.write(
        `  ${label.padEnd(28)} median ${median(times).toFixed(1)} ms (min ${Math.min(...times).toFixed(1)}, max ${Math.max(...times).toFixed(1)})` +
          `${functions > 0 ? `, ${functions} functions registered` : ""}\n`,
      );
    }
  } finally {
    if (bundle) rmSync(bundle, { recursive: true, force: true });
  }
}

main();
