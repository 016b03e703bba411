import { describe, expect, it } from "vitest";
import { CommandLineError, parseCommandLine } from "../../src/shared/commandLine";

const FLAGS = {
  port: { type: "string" },
  event: { type: "string" },
  document: { type: "string", multiple: true },
  verbose: { type: "boolean", short: "v" },
} as const;

function problem(argv: readonly string[], allowPositionals = false): string {
  try {
    parseCommandLine(argv, FLAGS, { allowPositionals });
  } catch (error) {
    if (error instanceof CommandLineError) return error.problem;
    throw error;
  }
  throw new Error(`${argv.join(" ")} was accepted`);
}

describe("parseCommandLine", () => {
  it("reads string, repeatable and boolean flags, inline values and stdin's -", () => {
    const { values, positionals } = parseCommandLine(
      ["--port", "40001", "-v", "--document", "a:1MiB", "--document=b:2MiB", "--event", "-"],
      FLAGS,
    );
    expect(values).toEqual({ port: "40001", verbose: true, document: ["a:1MiB", "b:2MiB"], event: "-" });
    expect(positionals).toEqual([]);
    expect(parseCommandLine(["--port=-1"], FLAGS).values.port).toBe("-1");
  });

  it("names the flag as typed when something is wrong", () => {
    expect(problem(["--bogus"])).toBe('unknown argument "--bogus"');
    expect(problem(["-x"])).toBe('unknown argument "-x"');
    expect(problem(["--constructor"])).toBe('unknown argument "--constructor"');
    expect(problem(["--port"])).toBe("--port needs a value");
    expect(problem(["--port", "--verbose"])).toBe("--port needs a value");
    expect(problem(["--verbose=yes"])).toBe("--verbose takes no value");
    expect(problem(["--port", "1", "--port", "2"])).toBe("--port is given twice");
    expect(problem(["stray"])).toBe('unexpected argument "stray"');
  });

  it("takes positionals only when asked to, and ends the message with the usage when given", () => {
    expect(parseCommandLine(["find", "--port", "1", "x"], FLAGS, { allowPositionals: true }).positionals).toEqual([
      "find",
      "x",
    ]);
    expect(() => parseCommandLine(["--bogus"], FLAGS, { usage: "Usage: tool [options]" })).toThrow(
      /^unknown argument "--bogus"\nUsage: tool \[options\]$/,
    );
  });
});
