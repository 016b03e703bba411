import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { escapeControlCharacters, escapingLog, printable } from "../../src/shared/logSafe";
import { RecordingLog } from "../support/intakeRig";

/** Every character a reader or a terminal would not see as itself: each must come out escaped. */
const UNSAFE = [
  "\u0000",
  "\n",
  "\r",
  "\u001b",
  "\u007f",
  "\u0085",
  "\u2028",
  "\u2029",
  "\u200e",
  "\u200f",
  "\u061c",
  "\u202a",
  "\u202b",
  "\u202c",
  "\u202d",
  "\u202e",
  "\u2066",
  "\u2067",
  "\u2068",
  "\u2069",
  "\u200b",
  "\u200d",
  "\ufeff",
  "\u00ad",
  "\u{e0041}",
  "\ud800",
];

describe("the one escaper for logs and terminals", () => {
  it.each(UNSAFE.map((char) => [char.codePointAt(0)?.toString(16) ?? "?", char] as const))(
    "escapes U+%s",
    (_code, char) => {
      const escaped = escapeControlCharacters(`a${char}b`);
      expect(escaped).not.toContain(char);
      expect(escaped).toMatch(/^a\\u(\{[0-9a-f]+\}|[0-9a-f]{4})b$/);
    },
  );

  it("leaves readable text alone, letters of any script and emoji included", () => {
    const text = "chunk /subscriptions/x|0-eus-d12-abc|0 Zürich 東京 مرحبا 🎙️ (ok) ~%~";
    expect(escapeControlCharacters(text)).toBe(text);
  });

  it("shows a bidi override instead of obeying it: 'txt.exe' written backwards stays as written", () => {
    expect(printable("invoice\u202eexe.txt")).toBe("invoice\\u202eexe.txt");
  });

  it("keeps our own line breaks only when asked", () => {
    expect(escapeControlCharacters("a\nb", { keepLineBreaks: true })).toBe("a\nb");
    expect(escapeControlCharacters("a\nb\u202e", { keepLineBreaks: true })).toBe("a\nb\\u202e");
  });
});

describe("escapingLog: every line a function writes goes through the escaper", () => {
  it("escapes every argument of every level, and joins them into one line", () => {
    const sink = new RecordingLog();
    const log = escapingLog(sink);
    const key = "/subscriptions/x|0-eus\u202e-d12|0";
    log.info(`Queued chunk ${key}.`);
    log.warn("chunk", key, "\n2026-12-02 [Information] forged");
    log.error(new Error(`boom ${key}`));
    log.debug({ chunkKey: key });
    expect(sink.lines).toHaveLength(4);
    for (const { text } of sink.lines) {
      expect(text).not.toMatch(/[\n\u202e]/);
      expect(text).toContain("\\u202e");
    }
    expect(sink.at("warn")[0]).toContain("\\u000a2026-12-02");
  });
});

const SRC = join(__dirname, "..", "..", "src");

function sourceFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sourceFiles(join(folder, entry.name))
      : entry.name.endsWith(".ts")
        ? [join(folder, entry.name)]
        : [],
  );
}

/**
 * A guard against a new raw log site: a function gets its InvocationContext from the host, and every line written
 * through it must pass the escaper. So in a file that handles an InvocationContext, `context` is never logged to
 * directly and never handed on except as `escapingLog(context)`; and `console` is used only where no event-derived
 * text can reach it. A wrapper may hand `context` to the handler it wraps (`handler(request, context)`).
 */
describe("no raw log site (source check)", () => {
  const files = sourceFiles(SRC);

  it("never logs to an InvocationContext or hands one on without escapingLog", () => {
    const offenders: string[] = [];
    for (const file of files) {
      const text = readFileSync(file, "utf8");
      if (!/\bInvocationContext\b/.test(text) || file.endsWith(join("shared", "logSafe.ts"))) continue;
      text.split("\n").forEach((line, i) => {
        const where = `${relative(SRC, file)}:${i + 1}: ${line.trim()}`;
        if (/\bcontext\.(trace|debug|info|log|warn|error)\s*\(/.test(line)) offenders.push(where);
        const handedOn = line.replace(/escapingLog\(context\)/g, "").match(/[(,]\s*context\s*[,)]/);
        // A wrapper (src/http/apiAccess.ts) hands the context on to the function it wraps, which is checked itself.
        const wrapped = /\bhandler\(\s*request\s*,\s*context\s*\)/.test(line);
        if (
          handedOn &&
          !wrapped &&
          !/\(\s*_?request\s*(:[^,]*)?,\s*context\s*:/.test(line) &&
          !/\bcontext\s*:\s*InvocationContext/.test(line)
        )
          offenders.push(where);
      });
    }
    expect(offenders).toEqual([]);
  });

  it("uses console only at startup and in telemetry setup (no event-derived text)", () => {
    const users = files
      .filter((file) => /\bconsole\.(log|info|warn|error|debug|trace)\s*\(/.test(readFileSync(file, "utf8")))
      .map((file) => relative(SRC, file));
    expect(users.sort()).toEqual(["app/serviceProvider.ts", "telemetry/azureMonitor.ts"]);
  });
});
