import { escapeControlCharacters } from "../../shared/logSafe";
import type { Redactor } from "./redact";

/** Where text goes: process.stderr, or anything with the same shape in tests. */
export interface TextSink {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

/**
 * stderr for the command line: whole lines (log messages) and, on a terminal, one status line at the
 * bottom that is redrawn in place and cleared before any other line is written. Everything is redacted.
 */
export class Terminal {
  private status = "";

  constructor(
    private readonly sink: TextSink,
    private readonly redactor: Redactor,
  ) {}

  /** True when a status line can be drawn in place. */
  get interactive(): boolean {
    return this.sink.isTTY === true;
  }

  get width(): number {
    const columns = this.sink.columns;
    return columns !== undefined && columns > 0 ? Math.max(40, Math.min(columns, 200)) : 100;
  }

  line(text: string): void {
    const clean = safeForTerminal(this.redactor.redact(text));
    if (this.status) this.sink.write(`\r\x1b[2K${clean}\n${this.status}`);
    else this.sink.write(`${clean}\n`);
  }

  setStatus(text: string): void {
    if (!this.interactive) return;
    const clean = safeForTerminal(this.redactor.redact(text)).slice(0, this.width - 1);
    if (clean === this.status) return;
    this.status = clean;
    this.sink.write(`\r\x1b[2K${clean}`);
  }

  clearStatus(): void {
    if (!this.status) return;
    this.status = "";
    this.sink.write("\r\x1b[2K");
  }
}

/** Escapes control characters (an event id could carry terminal escape sequences); keeps line breaks. */
function safeForTerminal(text: string): string {
  return escapeControlCharacters(text, { keepLineBreaks: true });
}
