import { execFileSync } from "node:child_process";
import { repoRoot } from "./repoRoot";

function git(args: string[]): string {
  try {
    return execFileSync("git", args, {
      cwd: repoRoot(),
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trimEnd();
  } catch {
    return "";
  }
}

/** Which code a run exercised: HEAD, and the files under src/ that differ from it (read-only git calls). */
export function sourceRevision(): { commit: string; changedFiles: string[] } {
  const changed = git(["status", "--porcelain", "--", "src"]);
  return {
    commit: git(["rev-parse", "HEAD"]) || "unknown",
    changedFiles: changed === "" ? [] : changed.split("\n").map((line) => line.slice(3)),
  };
}
