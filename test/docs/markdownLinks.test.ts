import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

/**
 * The documentation's pages link to each other by relative path and `#anchor`, and name source and test files in
 * backticks. Both break silently when a heading is reworded or a file moves: this test reads every page and names
 * each link, anchor and path that no longer resolves.
 */
const ROOT = resolve(__dirname, "..", "..");

/** The pages: the README, CONTRIBUTING.md, docs/, and the READMEs of bench/, infra/ and each tool. */
function documentationPages(): string[] {
  const inFolder = (folder: string): string[] =>
    existsSync(join(ROOT, folder))
      ? readdirSync(join(ROOT, folder))
          .filter((name) => name.endsWith(".md"))
          .map((name) => `${folder}/${name}`)
      : [];
  const toolReadmes = readdirSync(join(ROOT, "tools"))
    .filter((name) => existsSync(join(ROOT, "tools", name, "README.md")))
    .map((name) => `tools/${name}/README.md`);
  return [
    "README.md",
    "CONTRIBUTING.md",
    ...inFolder("docs"),
    "bench/README.md",
    "infra/README.md",
    ...toolReadmes,
  ].filter((page) => existsSync(join(ROOT, page)));
}

/** Lines outside fenced code blocks, with their line numbers. */
function proseLines(markdown: string): { line: number; text: string }[] {
  const lines: { line: number; text: string }[] = [];
  let fenced = false;
  markdown.split("\n").forEach((text, index) => {
    if (/^\s*```/.test(text)) fenced = !fenced;
    else if (!fenced) lines.push({ line: index + 1, text });
  });
  return lines;
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens; repeats get `-1`, `-2`, … */
function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const { text } of proseLines(markdown)) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(text)?.[1];
    if (heading === undefined) continue;
    const base = heading
      .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, "")
      .replace(/ /g, "-");
    const repeats = seen.get(base) ?? 0;
    seen.set(base, repeats + 1);
    anchors.add(repeats === 0 ? base : `${base}-${repeats}`);
  }
  return anchors;
}

const anchorCache = new Map<string, Set<string>>();
function anchorsOf(file: string): Set<string> {
  let anchors = anchorCache.get(file);
  if (!anchors) {
    anchors = headingAnchors(readFileSync(file, "utf8"));
    anchorCache.set(file, anchors);
  }
  return anchors;
}

/** Every relative link or anchor of a page that does not resolve, as `page:line target (why)`. */
function brokenLinks(page: string, markdown: string): string[] {
  const broken: string[] = [];
  const pageFile = join(ROOT, page);
  for (const { line, text } of proseLines(markdown)) {
    for (const match of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = match[1] ?? "";
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto: …
      const [path = "", anchor] = target.split("#", 2);
      const file = path === "" ? pageFile : resolve(dirname(pageFile), decodeURIComponent(path));
      const where = `${page}:${line} ${target}`;
      if (!existsSync(file)) broken.push(`${where} (no such file)`);
      else if (
        anchor !== undefined &&
        !(statSync(file).isFile() && file.endsWith(".md") && anchorsOf(file).has(anchor))
      ) {
        broken.push(`${where} (no heading with that anchor in ${relative(ROOT, file)})`);
      }
    }
  }
  return broken;
}

/** Every `src/…` or `test/…` path a page names (in backticks or in prose) that does not exist; placeholders are skipped. */
function missingPaths(page: string, markdown: string): string[] {
  const missing: string[] = [];
  for (const { line, text } of proseLines(markdown)) {
    for (const match of text.matchAll(/(?<![\w./~-])((?:src|test)\/[\w./-]*[\w/])/g)) {
      const path = match[1] ?? "";
      const next = text[(match.index ?? 0) + path.length] ?? "";
      if ("<{*".includes(next) && next !== "") continue; // src/functions/<name>.ts, test/**/*.test.ts …
      if (!existsSync(join(ROOT, path))) missing.push(`${page}:${line} ${path}`);
    }
  }
  return missing;
}

describe("documentation links", () => {
  const pages = documentationPages();

  it("reads the README, CONTRIBUTING.md, docs/ and the READMEs of bench/, infra/ and tools/", () => {
    expect(pages).toEqual(
      expect.arrayContaining([
        "README.md",
        "CONTRIBUTING.md",
        "docs/settings.md",
        "bench/README.md",
        "infra/README.md",
      ]),
    );
    expect(pages.some((page) => page.startsWith("tools/"))).toBe(true);
  });

  it("computes anchors as GitHub does", () => {
    const anchors = headingAnchors(
      "# Health check: `GET /api/health`\n## Intake's trace: what is expected\n## Notes\n## Notes\n```\n# not a heading\n```\n",
    );
    expect([...anchors]).toEqual(["health-check-get-apihealth", "intakes-trace-what-is-expected", "notes", "notes-1"]);
  });

  it("names a broken link, a missing anchor and a missing path (the check can fail)", () => {
    const page = "docs/settings.md";
    const markdown =
      "[a](no-such-page.md) [b](architecture.md#no-such-heading) [c](#terms) [d](https://example.com)\nsee `src/no/such/file.ts`, `src/functions/<name>.ts`";
    expect(brokenLinks(page, markdown)).toEqual([
      "docs/settings.md:1 no-such-page.md (no such file)",
      "docs/settings.md:1 architecture.md#no-such-heading (no heading with that anchor in docs/architecture.md)",
      "docs/settings.md:1 #terms (no heading with that anchor in docs/settings.md)",
    ]);
    expect(missingPaths(page, markdown)).toEqual(["docs/settings.md:2 src/no/such/file.ts"]);
  });

  it("every relative link and #anchor between the pages resolves", () => {
    const broken = pages.flatMap((page) => brokenLinks(page, readFileSync(join(ROOT, page), "utf8")));
    expect(broken, broken.join("\n")).toEqual([]);
  });

  it("every src/… and test/… path the pages name exists", () => {
    const missing = pages.flatMap((page) => missingPaths(page, readFileSync(join(ROOT, page), "utf8")));
    expect(missing, missing.join("\n")).toEqual([]);
  });
});
