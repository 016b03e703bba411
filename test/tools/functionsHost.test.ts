import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { mainEntryFiles } from "../../tools/functionsHost";

function appWith(main: string, files: readonly string[]): string {
  const root = mkdtempSync(join(tmpdir(), "functions-main-"));
  writeFileSync(join(root, "package.json"), JSON.stringify({ main }));
  for (const file of files) {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    writeFileSync(join(root, file), "");
  }
  return root;
}

describe("mainEntryFiles: package.json main expanded as the Functions worker globs it", () => {
  it("expands alternatives and wildcards, and only files", () => {
    const root = appWith("dist/src/{index.js,functions/*.js}", [
      "dist/src/index.js",
      "dist/src/functions/b.js",
      "dist/src/functions/a.js",
      "dist/src/functions/a.js.map",
      "dist/src/other.js",
    ]);
    expect(mainEntryFiles(root)).toEqual(
      ["dist/src/functions/a.js", "dist/src/functions/b.js", "dist/src/index.js"].map((file) => join(root, file)),
    );
  });

  it("expands ** across folders and takes a plain file name as it is", () => {
    const nested = appWith("dist/**/*.js", ["dist/a.js", "dist/x/y/b.js"]);
    expect(mainEntryFiles(nested)).toEqual([join(nested, "dist/a.js"), join(nested, "dist/x/y/b.js")]);
    const single = appWith("dist/index.js", ["dist/index.js"]);
    expect(mainEntryFiles(single)).toEqual([join(single, "dist/index.js")]);
  });

  it("refuses a main that matches nothing, saying to build", () => {
    expect(() => mainEntryFiles(appWith("dist/src/{index.js,functions/*.js}", []))).toThrow(
      /matches no file.*npm run build/,
    );
  });
});
