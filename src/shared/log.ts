/** The logging surface the core needs; an InvocationContext satisfies it, and so does `console`. */
export interface Log {
  debug(...args: unknown[]): void;
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
}
