import type { Log } from "../shared/log";
import type { Terminal } from "./terminal";

/**
 * The Log the cores write to, on stderr: warnings and errors always, information and debug lines with
 * --verbose. Warnings are counted (they are the in-process retries) for the progress line.
 */
export class CliLog implements Log {
  private warningCount = 0;

  constructor(
    private readonly terminal: Terminal,
    private readonly verbose: boolean,
    private readonly onWarning: (message: string) => void = () => undefined,
  ) {}

  get warnings(): number {
    return this.warningCount;
  }

  debug(...args: unknown[]): void {
    if (this.verbose) this.terminal.line(`debug: ${text(args)}`);
  }

  info(...args: unknown[]): void {
    if (this.verbose) this.terminal.line(`info: ${text(args)}`);
  }

  warn(...args: unknown[]): void {
    this.warningCount += 1;
    const message = text(args);
    this.onWarning(message);
    this.terminal.line(`warning: ${message}`);
  }

  error(...args: unknown[]): void {
    this.terminal.line(`error: ${text(args)}`);
  }
}

function text(args: readonly unknown[]): string {
  return args.map((arg) => (arg instanceof Error ? `${arg.name}: ${arg.message}` : String(arg))).join(" ");
}
