import { mkdirSync, mkdtempSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { staleCompiledApp } from "./compiledAppBuild";

function write(root: string, path: string, secondsAgo: number): void {
  const file = join(root, path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, "");
  const when = new Date(Date.now() - secondsAgo * 1000);
  utimesSync(file, when, when);
}

/** A repo with one source and its compiled file, the compiled one newer. */
function builtRepo(): string {
  const root = mkdtempSync(join(tmpdir(), "compiled-app-"));
  write(root, "src/functions/a.ts", 60);
  write(root, "dist/src/functions/a.js", 30);
  return root;
}

describe("staleCompiledApp (the integration tier's guard against testing stale code)", () => {
  it("accepts a dist/ built after every source", () => {
    expect(staleCompiledApp(builtRepo())).toBeUndefined();
  });

  it("names a missing dist/, a missing or older compiled file, and a compiled file whose source is gone", () => {
    expect(staleCompiledApp(mkdtempSync(join(tmpdir(), "compiled-app-")))).toBe("dist/ does not exist");

    const added = builtRepo();
    write(added, "tools/b.ts", 10);
    expect(staleCompiledApp(added)).toBe("dist/tools/b.js is missing");

    const edited = builtRepo();
    write(edited, "src/functions/a.ts", 0);
    expect(staleCompiledApp(edited)).toBe("src/functions/a.ts is newer than dist/src/functions/a.js");

    const deleted = builtRepo();
    write(deleted, "dist/src/functions/gone.js", 30);
    expect(staleCompiledApp(deleted)).toBe("dist/src/functions/gone.js has no source (src/functions/gone.ts is gone)");
  });
});
