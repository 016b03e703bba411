import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DEFAULT_ATTEMPTS, parseCliArgs } from "../../src/cli/cliArgs";
import { loadSettings } from "../../src/cli/cliSettings";
import { readEventsInput } from "../../src/cli/eventInput";
import { renderProgress } from "../../src/cli/output/progressBar";
import { Redactor } from "../../src/cli/output/redact";
import { exitCodeOf, totalsOf, type ChunkReport } from "../../src/cli/output/summary";
import { Terminal } from "../../src/cli/output/terminal";
import { UsageError } from "../../src/cli/usageError";

describe("command line parts", () => {
  it("parses commands and refuses bad usage", () => {
    expect(parseCliArgs(["archive", "--event", "-"])).toEqual({
      kind: "archive",
      event: "-",
      attempts: DEFAULT_ATTEMPTS,
      progress: true,
      verbose: false,
    });
    expect(
      parseCliArgs(["replay", "--failure", "f.json", "--attempts", "1", "--no-progress", "-v", "--settings", "s.json"]),
    ).toEqual({
      kind: "replay",
      failure: "f.json",
      attempts: 1,
      progress: false,
      verbose: true,
      settingsFile: "s.json",
    });
    expect(parseCliArgs([])).toEqual({ kind: "help" });
    expect(parseCliArgs(["archive", "--help"])).toEqual({ kind: "help" });
    for (const argv of [
      ["archive"],
      ["archive", "--event"],
      ["archive", "--event", "a", "--event", "b"],
      ["replay", "--event", "a"],
      ["archive", "--event", "a", "--attempts", "0"],
      ["x"],
    ]) {
      expect(() => parseCliArgs(argv), argv.join(" ")).toThrow(UsageError);
    }
  });

  it("reads local.settings.json Values under the environment, and names a broken file", () => {
    const dir = mkdtempSync(join(tmpdir(), "cli-settings-"));
    writeFileSync(
      join(dir, "local.settings.json"),
      JSON.stringify({ IsEncrypted: false, Values: { A: "file", B: "file", N: 3 } }),
    );
    const loaded = loadSettings({ A: "env", C: "env" }, dir);
    expect(loaded.settings).toMatchObject({ A: "env", B: "file", C: "env", N: "3" });
    expect([...loaded.fromFile].sort()).toEqual(["B", "N"]);
    expect(loadSettings({ A: "env" }, join(dir, "nowhere")).settings).toEqual({ A: "env" });
    writeFileSync(join(dir, "broken.json"), "{");
    expect(() => loadSettings({}, dir, "broken.json")).toThrow(/broken\.json is not readable JSON/);
    expect(() => loadSettings({}, dir, "absent.json")).toThrow(/absent\.json does not exist/);
    writeFileSync(join(dir, "encrypted.json"), JSON.stringify({ IsEncrypted: true, Values: {} }));
    expect(() => loadSettings({}, dir, "encrypted.json")).toThrow(/encrypted/);
  });

  it("reads one event, an array, or the input kept in a quarantine record", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cli-events-"));
    const event = { id: "e1", eventType: "x" };
    const write = (name: string, value: unknown): string => {
      writeFileSync(join(dir, name), typeof value === "string" ? value : JSON.stringify(value));
      return name;
    };
    const stdin = process.stdin;
    expect(await readEventsInput(write("one.json", event), stdin, dir)).toEqual([event]);
    expect(await readEventsInput(write("many.json", [event, event]), stdin, dir)).toEqual([event, event]);
    const record = {
      rejectedAt: "2024-01-01T00:00:00Z",
      reason: { code: "InvalidEvent", message: "m" },
      receivedVia: "webhook",
      input: event,
    };
    expect(await readEventsInput(write("kept.json", record), stdin, dir)).toEqual([event]);
    expect(
      await readEventsInput(write("kept-body.json", { ...record, input: JSON.stringify([event]) }), stdin, dir),
    ).toEqual([event]);
    await expect(readEventsInput(write("empty.json", []), stdin, dir)).rejects.toThrow(/no events/);
    await expect(readEventsInput(write("text.json", "nope"), stdin, dir)).rejects.toThrow(/not JSON/);
    await expect(readEventsInput(write("number.json", 7), stdin, dir)).rejects.toThrow(UsageError);
  });

  it("masks keys, SAS tokens and signatures from the settings in anything printed", () => {
    const key = Buffer.alloc(32, 5).toString("base64");
    const redactor = new Redactor({
      ACS: `endpoint=https://x/;accesskey=${key}`,
      S: "BlobEndpoint=https://a;SharedAccessSignature=sv=2024&sig=abcdefgh123",
    });
    const text = redactor.redact(
      `key ${key} url ${encodeURIComponent(key)} sas sv=2024&sig=abcdefgh123 and Signature=QUJDREVGRw==`,
    );
    expect(text).not.toContain(key);
    expect(text).not.toContain(encodeURIComponent(key));
    expect(text).not.toContain("abcdefgh123");
    expect(text).not.toContain("QUJDREVGRw");
  });

  it("draws a status line only on a terminal, clears it around log lines, and escapes control characters", () => {
    const written: string[] = [];
    const terminal = new Terminal(
      { write: (text: string) => written.push(text), isTTY: true, columns: 80 },
      new Redactor({}),
    );
    terminal.setStatus("[bar] chunk 1/2");
    terminal.line("warning: event \u001b[31mred");
    terminal.clearStatus();
    expect(written.join("")).toBe(
      "\r\x1b[2K[bar] chunk 1/2\r\x1b[2Kwarning: event \\u001b[31mred\n[bar] chunk 1/2\r\x1b[2K",
    );
    const plain: string[] = [];
    const pipe = new Terminal({ write: (text: string) => plain.push(text) }, new Redactor({}));
    pipe.setStatus("never drawn");
    pipe.line("a line");
    expect(plain).toEqual(["a line\n"]);
  });

  it("renders progress as chunks done of n with the current chunk's staged bytes and retries", () => {
    const state = {
      done: 1,
      failed: 0,
      total: 4,
      position: 1,
      label: "0001-doc.mp4",
      staged: 3 * 1024 * 1024,
      retries: 2,
      started: 0,
      now: 5_500,
    };
    expect(renderProgress(state)).toBe(
      `[${"█".repeat(5)}${"░".repeat(15)}] chunk 2/4 (1 done) 0001-doc.mp4: 3.0 MiB staged, 2 retries, 5s`,
    );
    expect(renderProgress({ ...state, done: 4, failed: 1 })).toBe(`[${"█".repeat(20)}] 4/4 chunks done, 1 failed`);
  });

  it("exits 0 only when every chunk is archived or already was and no event was rejected", () => {
    const chunk = (outcome: ChunkReport["outcome"], bytes: number): ChunkReport => ({
      chunkKey: "k",
      documentId: "d",
      index: 0,
      eventId: "e",
      blob: "c/b",
      metadataBlob: "c/m",
      bytes,
      outcome,
      attempts: 1,
    });
    const fine = totalsOf([chunk("archived", 10), chunk("alreadyArchived", 5)], 0);
    expect(fine).toEqual({
      chunks: 2,
      archived: 1,
      alreadyArchived: 1,
      erased: 0,
      failed: 0,
      rejectedEvents: 0,
      bytes: 15,
    });
    // A chunk a data-subject erasure removed is deliberately not archived again: not a failure, exit 0.
    const erased = totalsOf([chunk("archived", 10), chunk("erased", 0)], 0);
    expect(erased).toMatchObject({ erased: 1, failed: 0 });
    expect(exitCodeOf(erased)).toBe(0);
    expect(exitCodeOf(fine)).toBe(0);
    expect(exitCodeOf(totalsOf([chunk("archived", 10), chunk("expired", 0)], 0))).toBe(1);
    expect(exitCodeOf(totalsOf([chunk("archived", 10)], 1))).toBe(1);
  });
});
