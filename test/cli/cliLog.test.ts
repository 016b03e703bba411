import { describe, expect, it } from "vitest";
import { CliLog } from "../../src/cli/output/cliLog";
import { Redactor } from "../../src/cli/output/redact";
import { Terminal } from "../../src/cli/output/terminal";

describe("the command line's log", () => {
  it("writes one line per call: a line break, ANSI escape or bidi override in a logged value is shown escaped, never obeyed", () => {
    const written: string[] = [];
    const log = new CliLog(new Terminal({ write: (text: string) => written.push(text) }, new Redactor({})), true);
    // A chunk key as a tampered queue message or failure record can make it (the message's resource is free text).
    const chunkKey = "x\nerror: forged line\r\u001b[31m\u202eevil|doc|0";
    log.warn(`Chunk ${chunkKey} failed.`);
    log.info("Chunk", chunkKey, new Error(`boom\n${chunkKey}`));
    const output = written.join("");
    expect(output.split("\n").filter((line) => line !== "")).toHaveLength(2);
    for (const raw of ["\r", "\u001b", "\u202e"]) expect(output).not.toContain(raw);
    expect(output).toContain("warning: Chunk x\\u000aerror: forged line\\u000d\\u001b[31m\\u202eevil|doc|0 failed.");
  });
});
