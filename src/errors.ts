/**
 * Domain errors. Each subclass has a fixed `name` and a stable `code`; the edges (function files)
 * map them to HTTP statuses or retry decisions. Messages never contain secrets.
 */
export abstract class ArchiverError extends Error {
  abstract readonly code: string;
}

/** One field of an input is wrong: `field` names it (a JSON path, or a request field), the message says what is wrong. */
abstract class InvalidFieldError extends ArchiverError {
  constructor(
    readonly field: string,
    problem: string,
  ) {
    super(`${field} ${problem}`);
  }
}

/** Why a setting is unusable, in words that never include its value. */
export type SettingProblem = "missing" | "unresolvedKeyVaultReference" | "invalid";

/** A setting is missing or malformed. Thrown by the config parser; `setting` names it. */
export class ConfigError extends ArchiverError {
  override readonly name = "ConfigError";
  readonly code = "InvalidSetting";

  constructor(
    readonly setting: string,
    problem: string,
    readonly problemKind: SettingProblem = "invalid",
  ) {
    super(`Setting ${setting} ${problem}`);
  }
}

const PROBLEM_WORDS: Record<SettingProblem, string> = {
  missing: "is not set",
  unresolvedKeyVaultReference: "holds a Key Vault reference the platform could not resolve",
  invalid: "is not valid",
};

/**
 * The app started with a bad setting, so it refuses work that needs it (503 / a thrown error: the sender retries).
 * The message names the setting and what is wrong in general words, never its value; the ConfigError is the cause.
 */
export class AppNotConfiguredError extends ArchiverError {
  override readonly name = "AppNotConfiguredError";
  readonly code = "ConfigurationError";
  readonly setting: string;
  readonly problemKind: SettingProblem;

  constructor(configError: ConfigError) {
    super(
      `The app is not configured: setting ${configError.setting} ${PROBLEM_WORDS[configError.problemKind]}. ` +
        "It refuses work until the setting is fixed and the app restarted (see the error logged at start).",
      { cause: configError },
    );
    this.setting = configError.setting;
    this.problemKind = configError.problemKind;
  }
}

export type DeliveryProblem =
  | "InvalidJson"
  | "InvalidBody"
  | "BodyTooLarge"
  | "BodyTimeout"
  | "UnsupportedMediaType"
  | "TooManyEvents"
  | "TooManyRecordings"
  | "TooManyChunks";

/**
 * The whole delivery is unusable (not JSON, not an event or array, too large, too slow to arrive) or over one of
 * intake's per-delivery bounds; `target` names the setting of that bound.
 */
export class InvalidDeliveryError extends ArchiverError {
  override readonly name = "InvalidDeliveryError";
  readonly target?: string;

  constructor(
    readonly code: DeliveryProblem,
    message: string,
    options?: { cause?: unknown; target?: string },
  ) {
    super(message, options);
    if (options?.target !== undefined) this.target = options.target;
  }
}

/** One event breaks the contract; `field` is the JSON path of the offending value. */
export class InvalidEventError extends InvalidFieldError {
  override readonly name = "InvalidEventError";
  readonly code = "InvalidEvent";
}

/** Storage (queue or blob) could not be reached or refused the write; worth retrying later. */
export class StorageUnavailableError extends ArchiverError {
  override readonly name = "StorageUnavailableError";
  readonly code = "StorageUnavailable";
}

export function isArchiverError(value: unknown): value is ArchiverError {
  return value instanceof ArchiverError;
}

/** A short, secret-free description of any thrown value, for logs. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

/** A URL that must not receive a signed request (allowlist); permanent for the chunk. */
export class DownloadUrlRejectedError extends InvalidFieldError {
  override readonly name = "DownloadUrlRejectedError";
  readonly code = "DownloadUrlRejected";

  constructor(field: string, problem: string) {
    super(field, `${problem}; no signed request was sent.`);
  }
}

/**
 * ACS answered with an unexpected HTTP status (`statusCode`, as on the SDK's RestError: see httpStatusOf in
 * src/shared/errorKinds.ts). `retryAfterMs` comes from Retry-After when sent.
 */
export class AcsHttpError extends ArchiverError {
  override readonly name = "AcsHttpError";
  readonly code = "AcsHttpStatus";

  constructor(
    readonly statusCode: number,
    readonly operation: string,
    /** The start of the answer's body (or our own words about it); never a key or signature. */
    readonly detail: string,
    readonly retryAfterMs?: number,
  ) {
    super(`${operation} answered HTTP ${statusCode}${detail ? `: ${detail}` : ""}`);
  }
}

/** The transfer broke (reset, timeout, stall, fewer or more bytes than promised); worth resuming. */
export class TransferInterruptedError extends ArchiverError {
  override readonly name = "TransferInterruptedError";
  readonly code = "TransferInterrupted";
}

/** A blob already exists at the chunk's name but holds something else; never overwritten. */
export class ArchiveConflictError extends ArchiverError {
  override readonly name = "ArchiveConflictError";
  readonly code = "ArchiveConflict";
}

/** A queue message that is not a chunk message. */
export class InvalidChunkMessageError extends InvalidFieldError {
  override readonly name = "InvalidChunkMessageError";
  readonly code = "InvalidChunkMessage";
}

/** An archiver event could not be published to the Event Grid topic; the chunk's message is retried. */
export class EventPublishError extends ArchiverError {
  override readonly name = "EventPublishError";
  readonly code = "EventPublishFailed";
}

/**
 * The source's bytes cannot be verified: no length from Content-Length or Content-Range, or a whole-file
 * Content-MD5 that does not match what arrived. Transient (a later answer may be verifiable); when it
 * never becomes verifiable the chunk is recorded as `unverifiable`: never committed, never deleted.
 */
export class UnverifiableSourceError extends ArchiverError {
  override readonly name = "UnverifiableSourceError";
  readonly code = "UnverifiableSource";
}

/** The source's size changed between answers: the staged layout no longer fits; the chunk starts over. Transient. */
export class SourceChangedError extends ArchiverError {
  override readonly name = "SourceChangedError";
  readonly code = "SourceChanged";
}

/** A chunk's ACS resource has no access key in the settings: permanent until one is added (then replayed). */
export class AcsResourceNotConfiguredError extends ArchiverError {
  override readonly name = "AcsResourceNotConfiguredError";
  readonly code = "AcsResourceNotConfigured";

  constructor(problem: string) {
    super(`The chunk's resource field ${problem}; no signed request was sent.`);
  }
}
