/* Untrusted text made safe for logs and terminals. */
import { inspect } from "node:util";
import type { Log } from "./log";

/**
 * Characters no untrusted value may put raw into a log line or a terminal: controls (C0, DEL, C1), line and
 * paragraph separators, format characters (bidi embeddings, overrides and isolates U+202A–U+202E and
 * U+2066–U+2069, the marks U+200E/U+200F and U+061C, zero-width characters, the BOM, tag characters, the soft
 * hyphen…) and lone surrogates. A bidi override such as U+202E reorders what a person reads in a log viewer.
 */
const UNSAFE_CHARACTERS = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu;

/**
 * The one escaper for untrusted text in logs and on terminals: every unsafe character (see UNSAFE_CHARACTERS)
 * becomes `\uXXXX` (`\u{XXXXX}` beyond the BMP), so no value can forge a log line, reorder what a reader sees or
 * drive a terminal. `keepLineBreaks` leaves `\n` alone (for our own multi-line text).
 */
export function escapeControlCharacters(text: string, options: { keepLineBreaks?: boolean } = {}): string {
  return text.replace(UNSAFE_CHARACTERS, (char) => {
    if (options.keepLineBreaks && char === "\n") return char;
    const code = char.codePointAt(0) ?? 0;
    return code > 0xffff ? `\\u{${code.toString(16)}}` : `\\u${code.toString(16).padStart(4, "0")}`;
  });
}

/** An untrusted value made safe for one log line: unsafe characters escaped, length capped. */
export function printable(value: unknown, max = 200): string {
  const text = typeof value === "string" ? value : (JSON.stringify(value) ?? String(value));
  const escaped = escapeControlCharacters(text);
  return escaped.length > max ? `${escaped.slice(0, max)}…` : escaped;
}

/**
 * A Log whose every line is escaped on its way out (one line per call: `\n` too is escaped). Every function hands
 * the cores `escapingLog(context)`, never the raw InvocationContext, so a log site that prints a chunk key, an
 * error message or any other event-derived text cannot forge a line, whoever wrote it (test/shared/logSafe.test.ts
 * checks the function files).
 */
export function escapingLog(log: Log): Log {
  const line = (args: readonly unknown[]): string =>
    escapeControlCharacters(
      args
        .map((arg) => (typeof arg === "string" ? arg : inspect(arg, { breakLength: Number.POSITIVE_INFINITY })))
        .join(" "),
    );
  return {
    debug: (...args: unknown[]) => log.debug(line(args)),
    info: (...args: unknown[]) => log.info(line(args)),
    warn: (...args: unknown[]) => log.warn(line(args)),
    error: (...args: unknown[]) => log.error(line(args)),
  };
}
