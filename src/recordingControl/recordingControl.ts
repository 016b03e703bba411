import type * as CallAutomation from "@azure/communication-call-automation";
import type { CallRecording } from "@azure/communication-call-automation";
import { isRestError } from "@azure/core-rest-pipeline";
import { AcsKeyChoice, reportKeyChange } from "../acs/acsKeyChoice";
import type { AcsConnection } from "../config/acsConnectionString";
import type { AcsKeyName, AcsResourceConnection } from "../config/acsResources";
import { isLoopbackHost } from "../config/downloadHosts";
import type { Log } from "../shared/log";
import { RecordingServiceError, type RecordingOperation } from "./errors";
import { parseRecordingId, type StartRecordingRequest } from "./requestValidation";
import { fromServiceFailure } from "./serviceErrors";

/** What the service reports about a recording. States are the service's: "active", "inactive" (paused), or newer ones. */
export interface RecordingStatus {
  readonly recordingId: string;
  readonly recordingState: string;
  readonly recordingKind?: string;
}

/** The outcome of pause, resume and stop. */
export interface ControlOutcome {
  /** The service answered 202: it accepted the request and completes it asynchronously. */
  readonly accepted: boolean;
}

export interface RecordingControlOptions {
  /** Per operation, retries included; default 30 s. */
  readonly timeoutMs?: number;
  /** Retries of 5xx/408 answers and connection failures; default 3 retries from 200 ms up to 2 s apart. */
  readonly retry?: {
    readonly maxRetries?: number;
    readonly retryDelayInMs?: number;
    readonly maxRetryDelayInMs?: number;
  };
}

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_RETRY = { maxRetries: 3, retryDelayInMs: 200, maxRetryDelayInMs: 2_000 };

/** One resource's Call Automation clients, one per key, and the process-wide choice between them (acsKeyChoice.ts). */
interface ControlKeys {
  readonly connection: AcsResourceConnection;
  readonly recordings: ReadonlyMap<AcsKeyName, CallRecording>;
  readonly choice: AcsKeyChoice;
}

/**
 * Run-time recording control (start, state, pause, resume, stop) of the ACS Call Automation recording API, keyed by
 * a server call id. Wraps the official client's CallRecording; its failures become domain errors (see serviceErrors).
 * A request whose key is refused (401/403) is sent once more with the resource's secondary key when it has one, as
 * downloads are (docs/architecture.md, "Several ACS resources and key rotation").
 */
export class RecordingControl {
  private constructor(
    private readonly keys: ControlKeys,
    private readonly timeoutMs: number,
    private readonly log?: Log,
  ) {}

  /**
   * Builds the clients for an ACS resource (a connection string's parts, or a resource's connection with its
   * optional secondary key). Plain http is allowed only for a loopback endpoint (the local simulator), never for a
   * real resource; each access key stays inside its client's signing policy.
   */
  static forAcs(acs: AcsConnection | AcsResourceConnection, options: RecordingControlOptions = {}): RecordingControl {
    const connection: AcsResourceConnection =
      "primary" in acs
        ? acs
        : {
            label: "ACS_CONNECTION_STRING",
            primary: acs,
            keySettings: { primary: "ACS_CONNECTION_STRING", secondary: "ACS_SECONDARY_CONNECTION_STRING" },
          };
    const recordings = new Map<AcsKeyName, CallRecording>([["primary", callRecording(connection.primary, options)]]);
    if (connection.secondary) recordings.set("secondary", callRecording(connection.secondary, options));
    const keys = { connection, recordings, choice: new AcsKeyChoice(connection.secondary !== undefined) };
    return new RecordingControl(keys, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  }

  /** The same control (same clients, same memory of which key works) reporting key changes to `log`. */
  withLog(log: Log): RecordingControl {
    return new RecordingControl(this.keys, this.timeoutMs, log);
  }

  /** The name of the resource this control acts on, when it is one of several (ACS_RESOURCES__<n>). */
  get resourceName(): string | undefined {
    return this.keys.connection.resourceId === undefined ? undefined : this.keys.connection.label;
  }

  async start(request: StartRecordingRequest): Promise<RecordingStatus> {
    const result = await this.call("start", request.callIdField, (recording, abortSignal) =>
      recording.start({
        callLocator: { kind: "serverCallLocator", id: request.serverCallId },
        ...(request.recordingStateCallbackUri
          ? { recordingStateCallbackEndpointUrl: request.recordingStateCallbackUri }
          : {}),
        ...(request.content ? { recordingContent: request.content } : {}),
        ...(request.channel ? { recordingChannel: request.channel } : {}),
        ...(request.format ? { recordingFormat: request.format } : {}),
        abortSignal,
      }),
    );
    return this.status("start", result);
  }

  async getState(recordingId: string): Promise<RecordingStatus> {
    const id = parseRecordingId(recordingId);
    const result = await this.call("getState", "recordingId", (recording, abortSignal) =>
      recording.getState(id, { abortSignal }),
    );
    return this.status("getState", result);
  }

  async pause(recordingId: string): Promise<ControlOutcome> {
    const id = parseRecordingId(recordingId);
    return this.control("pause", (recording, options) => recording.pause(id, options));
  }

  async resume(recordingId: string): Promise<ControlOutcome> {
    const id = parseRecordingId(recordingId);
    return this.control("resume", (recording, options) => recording.resume(id, options));
  }

  async stop(recordingId: string): Promise<ControlOutcome> {
    const id = parseRecordingId(recordingId);
    return this.control("stop", (recording, options) => recording.stop(id, options));
  }

  /** Runs a void operation and reports whether the service answered 202 (the client itself hides the status). */
  private async control(
    operation: RecordingOperation,
    send: (
      recording: CallRecording,
      options: { abortSignal: AbortSignal; onResponse: (response: { status: number }) => void },
    ) => Promise<void>,
  ): Promise<ControlOutcome> {
    let status = 0;
    await this.call(operation, "recordingId", (recording, abortSignal) =>
      send(recording, {
        abortSignal,
        onResponse: (response) => {
          status = response.status;
        },
      }),
    );
    return { accepted: status === 202 };
  }

  /** One operation within the timeout: signed with the chosen key, and once more with the other key when it is refused. */
  private async call<T>(
    operation: RecordingOperation,
    target: string,
    send: (recording: CallRecording, abortSignal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    const abortSignal = AbortSignal.timeout(this.timeoutMs);
    const { choice } = this.keys;
    const first = choice.first();
    try {
      const result = await send(this.recording(first), abortSignal);
      reportKeyChange(this.log, this.keys.connection, choice.accepted(first), first);
      return result;
    } catch (error) {
      const status = refusedStatus(error);
      const other = status === undefined ? undefined : choice.other(first);
      if (status === undefined || other === undefined)
        throw fromServiceFailure(error, operation, target, this.timeoutMs, this.keySettings([first]));
      try {
        const result = await send(this.recording(other), abortSignal);
        reportKeyChange(this.log, this.keys.connection, choice.accepted(other, first), other, { key: first, status });
        return result;
      } catch (second) {
        throw fromServiceFailure(second, operation, target, this.timeoutMs, this.keySettings([first, other]));
      }
    }
  }

  private recording(key: AcsKeyName): CallRecording {
    const recording = this.keys.recordings.get(key);
    if (!recording) throw new Error(`no ${key} key`);
    return recording;
  }

  private keySettings(keys: readonly AcsKeyName[]): string {
    return keys.map((key) => this.keys.connection.keySettings[key]).join(" and ");
  }

  /** The client types every field as present; a service answer may still lack them. */
  private status(
    operation: RecordingOperation,
    result: { recordingId?: string; recordingState?: string; recordingKind?: string },
  ): RecordingStatus {
    if (typeof result.recordingId !== "string" || result.recordingId.length === 0) {
      throw new RecordingServiceError({ operation, status: 200 }, "its answer has no recordingId.");
    }
    if (typeof result.recordingState !== "string" || result.recordingState.length === 0) {
      throw new RecordingServiceError({ operation, status: 200 }, "its answer has no recordingState.");
    }
    return {
      recordingId: result.recordingId,
      recordingState: result.recordingState,
      ...(typeof result.recordingKind === "string" ? { recordingKind: result.recordingKind } : {}),
    };
  }
}

function callRecording(acs: AcsConnection, options: RecordingControlOptions): CallRecording {
  const endpoint = new URL(acs.endpoint);
  // Loaded here, not at the top: only the control API needs this SDK, and the functions that do not should not
  // pay for loading it on a cold start.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- deferred load, see above
  const { CallAutomationClient } = require("@azure/communication-call-automation") as typeof CallAutomation;
  const client = new CallAutomationClient(`endpoint=${acs.endpoint}/;accesskey=${acs.accessKey}`, {
    allowInsecureConnection: endpoint.protocol === "http:" && isLoopbackHost(endpoint.hostname),
    retryOptions: { ...DEFAULT_RETRY, ...options.retry },
  });
  return client.getCallRecording();
}

/** The status of a service answer that refused the key (401/403), if it was one. */
function refusedStatus(error: unknown): number | undefined {
  return isRestError(error) && (error.statusCode === 401 || error.statusCode === 403) ? error.statusCode : undefined;
}
