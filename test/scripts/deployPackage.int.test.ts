// Integration tier. Needs: dist/.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { deploymentFiles, productionPackageDirs, stageDeployment } from "../../scripts/deployPackage";
import { TEST_ACS_CONNECTION_STRING, TEST_ACS_RESOURCE } from "../support/testSettings";

const root = join(__dirname, "..", "..");

describe("deployment package (scripts/deployPackage.ts, staged by azd's prepackage hook)", () => {
  const files = deploymentFiles(root).map((file) => file.path);
  const fileSet = new Set(files);

  it("is staged with a .funcignore of its own that ignores nothing, so no azd version drops node_modules", () => {
    const out = mkdtempSync(join(tmpdir(), "stage-"));
    try {
      const sample = deploymentFiles(root).filter(
        (file) => file.path === "host.json" || file.path.startsWith("node_modules/@azure/functions/"),
      );
      stageDeployment(root, join(out, "package"), sample);
      const staged = readdirSync(join(out, "package"));
      expect(staged).toEqual(expect.arrayContaining([".funcignore", "host.json", "node_modules"]));
      const patterns = readFileSync(join(out, "package", ".funcignore"), "utf8")
        .split("\n")
        .filter((line) => line.trim() !== "" && !line.startsWith("#"));
      expect(patterns).toEqual([]);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it("holds host.json, package.json, the compiled app and its production dependencies", () => {
    expect(fileSet.has("host.json")).toBe(true);
    expect(fileSet.has("package.json")).toBe(true);
    expect(fileSet.has("dist/src/index.js")).toBe(true);
    expect(fileSet.has("dist/src/functions/archiveChunk.js")).toBe(true);
    expect(fileSet.has("dist/src/functions/recordingEventsGrid.js")).toBe(true);
    const dependencies = Object.keys(
      (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { dependencies: Record<string, string> })
        .dependencies,
    );
    for (const name of dependencies) expect(fileSet.has(`node_modules/${name}/package.json`), name).toBe(true);
  });

  it("leaves out sources, tests, tools, the simulator, Core Tools and every dev dependency", () => {
    const excludedPrefixes = [
      "src/",
      "test/",
      "tools/",
      "bench/",
      "scripts/",
      "infra/",
      "dist/test/",
      "dist/tools/",
      "dist/bench/",
      "dist/scripts/",
      ".azure/",
    ];
    expect(files.filter((path) => excludedPrefixes.some((prefix) => path.startsWith(prefix)))).toEqual([]);
    expect(files.filter((path) => path.endsWith(".js.map") && path.startsWith("dist/"))).toEqual([]);
    expect(files.filter((path) => path === "local.settings.json" || path === "package-lock.json")).toEqual([]);
    for (const dev of [
      "azure-functions-core-tools",
      "vitest",
      "typescript",
      "azurite",
      "esbuild",
      "eslint",
      "tree-sitter",
      "tree-sitter-bicep",
      "knip",
    ]) {
      expect(
        files.some((path) => path.startsWith(`node_modules/${dev}/`)),
        dev,
      ).toBe(false);
    }
  });

  it("is enough to run the app: with every other package made unresolvable, the compiled app loads and registers its functions", () => {
    // The child process resolves modules as usual, except that a package outside the production
    // dependency tree fails with MODULE_NOT_FOUND, exactly as in the deployed package (optional
    // requires such as debug's supports-color then take their fallback, as they do in Azure).
    const script = [
      "const Module = require('node:module');",
      "const { realpathSync } = require('node:fs');",
      "const path = require('node:path');",
      "const production = new Set(JSON.parse(process.env.PRODUCTION_DIRS));",
      "const nodeModules = realpathSync(path.join(process.cwd(), 'node_modules')) + path.sep;",
      "const packageDirOf = (file) => {",
      "  const parts = ('node_modules/' + path.relative(nodeModules, file).split(path.sep).join('/')).split('/');",
      "  let dir = '';",
      "  for (let i = 0; i < parts.length && parts[i] === 'node_modules'; ) {",
      "    const take = (parts[i + 1] || '').startsWith('@') ? 3 : 2;",
      "    dir = parts.slice(0, i + take).join('/');",
      "    i += take;",
      "  }",
      "  return dir;",
      "};",
      "// The stand-in host (a test tool with its own glob library) is loaded first: it is not deployed.",
      "const { loadCompiledApp } = require('./dist/tools/functionsHost.js');",
      "const blocked = new Set();",
      "const resolve = Module._resolveFilename;",
      "Module._resolveFilename = function (request, ...rest) {",
      "  const file = resolve.call(this, request, ...rest);",
      "  let real = file;",
      "  try { real = realpathSync(file); } catch {}",
      "  if (real.startsWith(nodeModules) && !production.has(packageDirOf(real))) {",
      "    blocked.add(packageDirOf(real));",
      "    throw Object.assign(new Error(`Cannot find module '${request}'`), { code: 'MODULE_NOT_FOUND' });",
      "  }",
      "  return file;",
      "};",
      "const functions = loadCompiledApp(process.cwd(), require);",
      "process.stdout.write(JSON.stringify({ functions: functions.map((f) => f.metadata.name), blocked: [...blocked] }));",
    ].join("\n");
    const run = spawnSync(process.execPath, ["-e", script], {
      cwd: root,
      encoding: "utf8",
      timeout: 120_000,
      env: {
        PATH: process.env["PATH"] ?? "",
        PRODUCTION_DIRS: JSON.stringify(productionPackageDirs(root)),
        AzureWebJobsStorage: "UseDevelopmentStorage=true",
        ACS_CONNECTION_STRING: TEST_ACS_CONNECTION_STRING,
        ALLOWED_ACS_RESOURCES: TEST_ACS_RESOURCE,
      },
    });
    expect(run.status, run.stderr).toBe(0);
    const loaded = JSON.parse(run.stdout) as { functions: string[]; blocked: string[] };
    const registered = readdirSync(join(root, "dist", "src", "functions")).filter((file) =>
      file.endsWith(".js"),
    ).length;
    expect(loaded.functions).toContain("recordingEventsGrid");
    expect(loaded.functions).toContain("archiveChunk");
    expect(loaded.functions.length).toBe(registered);
    // Whatever was refused was an optional require with a fallback (the load above succeeded).
    expect(loaded.blocked.every((dir) => !fileSet.has(`${dir}/package.json`))).toBe(true);
  });
});
