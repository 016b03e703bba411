/**
 * Domain errors. Each subclass has a fixed `name` and a stable `code`; the edges (function files)
 * map them to HTTP statuses or retry decisions. Messages never contain secrets.
 */
export abstract class ArchiverError extends Error {
  abstract readonly code: string;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A setting is missing or malformed. Thrown at startup; `setting` names it. */
export class ConfigError extends ArchiverError {
  override readonly name = "ConfigError";
  readonly code = "InvalidSetting";

  constructor(
    readonly setting: string,
    problem: string,
  ) {
    super(`Setting ${setting} ${problem}`);
  }
}

export type DeliveryProblem = "InvalidJson" | "InvalidBody" | "BodyTooLarge" | "UnsupportedMediaType";

/** The whole HTTP delivery is unusable (not JSON, not an event or array, too large). */
export class InvalidDeliveryError extends ArchiverError {
  override readonly name = "InvalidDeliveryError";

  constructor(
    readonly code: DeliveryProblem,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** One event breaks the contract; `field` is the JSON path of the offending value. */
export class InvalidEventError extends ArchiverError {
  override readonly name = "InvalidEventError";
  readonly code = "InvalidEvent";

  constructor(
    readonly field: string,
    problem: string,
  ) {
    super(`${field} ${problem}`);
  }
}

/** Storage (queue or blob) could not be reached or refused the write; worth retrying later. */
export class StorageUnavailableError extends ArchiverError {
  override readonly name = "StorageUnavailableError";
  readonly code = "StorageUnavailable";

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export function isArchiverError(value: unknown): value is ArchiverError {
  return value instanceof ArchiverError;
}

/** A short, secret-free description of any thrown value, for logs. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
