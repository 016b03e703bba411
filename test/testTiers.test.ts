import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

/*
 * The test tiers' naming rule (vitest.config.ts), checked: `<subject>.test.ts` is a unit test (no Azurite, no
 * simulator, no dist/, no network), `<subject>.int.test.ts` an integration test whose first line says what it needs.
 */
const root = resolve(__dirname, "..");
const HEADER = /^\/\/ Integration tier\. Needs: (.+)\.$/;

function filesUnder(folder: string, suffix: string): string[] {
  return readdirSync(join(root, folder), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(suffix))
    .map((entry) => relative(root, join(entry.parentPath, entry.name)))
    .sort();
}

const TEST_FILES = filesUnder("test", ".test.ts");
const isIntegration = (file: string): boolean => file.endsWith(".int.test.ts");

/** Modules a test reaches through value imports, following test/ and tools/ (the app's own src/ starts nothing). */
function reachedModules(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen;
  seen.add(file);
  const source = readFileSync(join(root, file), "utf8").replace(/^import type [^;]*;/gm, "");
  for (const [, specifier] of source.matchAll(/from "(\.[^"]+)"/g)) {
    const target = relative(root, resolve(root, dirname(file), specifier ?? ""));
    const module = [`${target}.ts`, join(target, "index.ts")].find((candidate) => existsSync(join(root, candidate)));
    if (module && (module.startsWith("test/") || module.startsWith("tools/"))) reachedModules(module, seen);
  }
  return seen;
}

/** How a test file reaches the integration tier's Azurite (written in two parts so that this file does not). */
const USES_AZURITE = ["inject(", '"azuriteConnectionString")'].join("");

/** What reaching each of these modules means a test needs. */
const NEEDS_OF_MODULE: readonly (readonly [RegExp, string])[] = [
  [/^tools\/acsSimulator(\.ts|\/)/, "ACS simulator"],
  [/^test\/support\/(compiledApp|compiledCli|compiledPipeline)\.ts$/, "dist/"],
  [/^test\/support\/simAndAzurite\.ts$/, "Azurite"],
  [/^test\/support\/fakeAzure\.ts$/, "sh"],
  [
    /^test\/support\/(silentStorage|hostileStorage|storageRefusalProxy|functionHttpServer|streamingPost|httpsHostRoutes)\.ts$/,
    "loopback servers",
  ],
];

function needsOf(file: string): Set<string> {
  const needs = new Set<string>();
  const modules = reachedModules(file);
  for (const module of modules)
    for (const [pattern, need] of NEEDS_OF_MODULE) if (pattern.test(module)) needs.add(need);
  const own = readFileSync(join(root, file), "utf8");
  if (own.includes(USES_AZURITE)) needs.add("Azurite");
  if (/\bcreateServer\(|\.listen\(/.test(own)) needs.add("loopback servers");
  return needs;
}

describe("the test tiers: one marker in the file name, the needs in the first line", () => {
  it("every test file is <subject>.test.ts or <subject>.int.test.ts, the subject without dots", () => {
    const misnamed = TEST_FILES.filter((file) => !/^[A-Za-z0-9]+(\.int)?\.test\.ts$/.test(basename(file)));
    expect(misnamed).toEqual([]);
  });

  it("every integration file starts with its needs; no unit file has such a line", () => {
    const headerless = TEST_FILES.filter(
      (file) => isIntegration(file) && !HEADER.test(readFileSync(join(root, file), "utf8").split("\n", 1)[0] ?? ""),
    );
    expect(headerless).toEqual([]);
    const unitWithHeader = TEST_FILES.filter(
      (file) => !isIntegration(file) && readFileSync(join(root, file), "utf8").startsWith("// Integration tier."),
    );
    expect(unitWithHeader).toEqual([]);
  });

  it("no unit file needs Azurite, the simulator, dist/, a server or sh", () => {
    const offending = TEST_FILES.filter((file) => !isIntegration(file)).flatMap((file) => {
      const needs = [...needsOf(file)];
      return needs.length > 0 ? [`${file}: ${needs.join(", ")}`] : [];
    });
    expect(offending).toEqual([]);
  });

  it("every integration file's first line names what it reaches (Azurite, the ACS simulator, dist/, sh)", () => {
    const unstated = TEST_FILES.filter(isIntegration).flatMap((file) => {
      const header = HEADER.exec(readFileSync(join(root, file), "utf8").split("\n", 1)[0] ?? "")?.[1] ?? "";
      const missing = [...needsOf(file)].filter(
        (need) => need !== "loopback servers" && !new RegExp(`(^|\\W)${need.replace("/", "\\/")}(\\W|$)`).test(header),
      );
      return missing.length > 0 ? [`${file}: ${missing.join(", ")}`] : [];
    });
    expect(unstated).toEqual([]);
  });

  it("every function in src/functions/ has its unit test in test/functions/", () => {
    const untested = filesUnder("src/functions", ".ts")
      .map((file) => basename(file, ".ts"))
      .filter((name) => !existsSync(join(root, "test", "functions", `${name}.test.ts`)));
    expect(untested).toEqual([]);
  });
});
