import { describe, expect, it } from "vitest";
import { parseCliArgs } from "../../src/cli/cliArgs";
import { UsageError } from "../../src/cli/usageError";

function usageProblem(argv: readonly string[]): string {
  try {
    parseCliArgs(argv);
  } catch (error) {
    if (error instanceof UsageError) return error.message;
    throw error;
  }
  throw new Error(`${argv.join(" ")} was accepted`);
}

describe("recording-archiver command line", () => {
  it("says what is wrong, naming the flag or the command", () => {
    expect(usageProblem(["frobnicate"])).toBe(
      'unknown command "frobnicate" (expected archive or replay or status or manifest).',
    );
    expect(usageProblem(["archive"])).toBe("archive needs --event <file|->.");
    expect(usageProblem(["replay", "--attempts", "2"])).toBe("replay needs --failure <blob name|file>.");
    expect(usageProblem(["archive", "--event"])).toBe("--event needs a value.");
    expect(usageProblem(["archive", "--event", "a", "--event", "b"])).toBe("--event is given twice.");
    expect(usageProblem(["archive", "--event", "a", "--bogus"])).toBe('unknown argument "--bogus".');
    expect(usageProblem(["replay", "--event", "a"])).toBe('unknown argument "--event".');
    expect(usageProblem(["archive", "--event", "a", "extra"])).toBe('unexpected argument "extra".');
    expect(usageProblem(["archive", "--event", "a", "--attempts", "21"])).toBe(
      '--attempts must be a whole number from 1 to 20; got "21".',
    );
  });

  it("gives help for --help anywhere, help, or nothing", () => {
    for (const argv of [[], ["help"], ["-h"], ["archive", "--bogus", "--help"]])
      expect(parseCliArgs(argv)).toEqual({ kind: "help" });
  });
});
