import type { Log } from "../../shared/log";
import { escapeControlCharacters } from "../../shared/logSafe";
import type { Terminal } from "./terminal";

/**
 * The Log the cores write to, on stderr: warnings and errors always, information and debug lines with
 * --verbose. Retries reach the progress line through callbacks (ServiceObservers, runChunk's onRetry),
 * never by reading log text.
 */
export class CliLog implements Log {
  constructor(
    private readonly terminal: Terminal,
    private readonly verbose: boolean,
  ) {}

  debug(...args: unknown[]): void {
    if (this.verbose) this.terminal.line(`debug: ${text(args)}`);
  }

  info(...args: unknown[]): void {
    if (this.verbose) this.terminal.line(`info: ${text(args)}`);
  }

  warn(...args: unknown[]): void {
    this.terminal.line(`warning: ${text(args)}`);
  }

  error(...args: unknown[]): void {
    this.terminal.line(`error: ${text(args)}`);
  }
}

/** One line per call, as escapingLog makes it for the Functions host: a line break in event-derived text (a chunk key of a
 * tampered message, an error's message) is shown escaped, never obeyed, so no value can forge a line of the output. */
function text(args: readonly unknown[]): string {
  return escapeControlCharacters(
    args.map((arg) => (arg instanceof Error ? `${arg.name}: ${arg.message}` : String(arg))).join(" "),
  );
}
