import { ArchiverError } from "../errors";

/** The recording control operations, as named in logs and messages. */
export type RecordingOperation = "start" | "getState" | "pause" | "resume" | "stop";

/** An error as the recording service (and the 2021 preview API documentation) shape it; only these fields are kept. */
export interface ServiceErrorDetail {
  readonly code: string;
  readonly message: string;
  readonly target?: string;
}

/** What the recording service said when it refused or failed an operation. */
export interface ServiceAnswer {
  readonly operation: RecordingOperation;
  /** The service's HTTP status; undefined when no answer came (network failure, timeout). */
  readonly status?: number;
  /** The service's `{ error: { code, message, target } }` body, when it sent one. */
  readonly serviceError?: ServiceErrorDetail;
}

/** A control request is malformed; `target` names the offending field (`body` for the body as a whole). */
export class InvalidRecordingRequestError extends ArchiverError {
  override readonly name = "InvalidRecordingRequestError";
  readonly code = "InvalidRequest";

  constructor(
    readonly target: string,
    problem: string,
  ) {
    super(`${target} ${problem}`);
  }
}

/** The recording service answered 400: it refused the request (e.g. pausing a recording that is not active). */
export class RecordingRequestRejectedError extends ArchiverError {
  override readonly name = "RecordingRequestRejectedError";
  readonly code = "RequestRejected";

  constructor(
    readonly answer: ServiceAnswer,
    options?: { cause?: unknown },
  ) {
    super(
      `The recording service refused to ${verb(answer.operation)}${answer.serviceError ? `: ${answer.serviceError.message}` : "."}`,
      options,
    );
  }

  /** The field the service named, for the answer's `target`. */
  get target(): string | undefined {
    return this.answer.serviceError?.target;
  }

  /** What the service said, for the answer's `details`. */
  get details(): readonly ServiceErrorDetail[] | undefined {
    return this.answer.serviceError ? [this.answer.serviceError] : undefined;
  }
}

/** The recording service answered 404: it knows no such call (start) or recording (the others). */
export class RecordingNotFoundError extends ArchiverError {
  override readonly name = "RecordingNotFoundError";
  readonly code = "NotFound";

  constructor(
    readonly answer: ServiceAnswer,
    /** The request field that named what the service does not know (serverCallId, conversationId, ... or recordingId). */
    readonly target: string,
    options?: { cause?: unknown },
  ) {
    super(
      answer.operation === "start"
        ? `The recording service knows no call with this ${target} (or the call has ended).`
        : "The recording service knows no such recording (or it has been stopped).",
      options,
    );
  }

  /** What the service said, for the answer's `details`. */
  get details(): readonly ServiceErrorDetail[] | undefined {
    return this.answer.serviceError ? [this.answer.serviceError] : undefined;
  }
}

/**
 * The recording service failed (5xx, an unexpected status, an unusable answer) or could not be reached in time.
 * Messages name the status, never the service's own text for a 5xx (it is not ours to show).
 */
export class RecordingServiceError extends ArchiverError {
  override readonly name = "RecordingServiceError";
  readonly code = "UpstreamFailure";

  constructor(
    readonly answer: ServiceAnswer,
    problem: string,
    options?: { cause?: unknown },
  ) {
    super(`The recording service failed to ${verb(answer.operation)}: ${problem}`, options);
  }
}

function verb(operation: RecordingOperation): string {
  switch (operation) {
    case "start":
      return "start the recording";
    case "getState":
      return "report the recording's state";
    case "pause":
      return "pause the recording";
    case "resume":
      return "resume the recording";
    case "stop":
      return "stop the recording";
  }
}
