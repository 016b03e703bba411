/** The command line was used wrongly (unknown flag, missing value, unreadable input): exit code 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
  readonly code = "BadUsage";

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
