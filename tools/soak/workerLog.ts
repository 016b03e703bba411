import { createWriteStream, mkdirSync, type WriteStream } from "node:fs";
import { dirname } from "node:path";

export interface LogFigures {
  readonly path: string;
  lines: number;
  warnings: number;
  errors: number;
  /** Lines that carry the access key or an HMAC signature (must stay 0). */
  secretLeaks: number;
  /** The first few error lines, for the report. */
  firstErrors: string[];
}

const SIGNATURE = /Signature=[A-Za-z0-9+/=]{16,}/;

/**
 * Collects what the workers log (through the InvocationContext, and their own stdout/stderr) into one file,
 * counts warnings and errors, and checks every line for secrets.
 */
export class WorkerLog {
  readonly figures: LogFigures;
  private readonly stream: WriteStream;

  constructor(
    path: string,
    private readonly secrets: readonly string[],
  ) {
    mkdirSync(dirname(path), { recursive: true });
    this.stream = createWriteStream(path, { flags: "w" });
    this.figures = { path, lines: 0, warnings: 0, errors: 0, secretLeaks: 0, firstErrors: [] };
  }

  line(source: string, level: string, text: string): void {
    const figures = this.figures;
    figures.lines += 1;
    if (level === "warning" || level === "warn") figures.warnings += 1;
    if (level === "error") {
      figures.errors += 1;
      if (figures.firstErrors.length < 10) figures.firstErrors.push(text.slice(0, 300));
    }
    if (this.secrets.some((secret) => text.includes(secret)) || SIGNATURE.test(text)) figures.secretLeaks += 1;
    this.stream.write(`${new Date().toISOString()} ${source} ${level} ${text}\n`);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.stream.end(resolve));
  }
}
