import type * as CallAutomation from "@azure/communication-call-automation";
import type { CallRecording } from "@azure/communication-call-automation";
import type { AcsConnection } from "../config/acsConnectionString";
import { isLoopbackHost } from "../config/downloadHosts";
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
  readonly retry?: { readonly maxRetries?: number; readonly retryDelayInMs?: number; readonly maxRetryDelayInMs?: number };
}

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_RETRY = { maxRetries: 3, retryDelayInMs: 200, maxRetryDelayInMs: 2_000 };

/**
 * Run-time recording control (start, state, pause, resume, stop) of the ACS Call Automation recording API, keyed by
 * a server call id. Wraps the official client's CallRecording; its failures become domain errors (see serviceErrors).
 */
export class RecordingControl {
  constructor(
    private readonly recording: CallRecording,
    private readonly timeoutMs: number = DEFAULT_TIMEOUT_MS,
  ) {}

  /**
   * Builds the client for an ACS resource. Plain http is allowed only for a loopback endpoint (the local
   * simulator), never for a real resource; the access key stays inside the client's signing policy.
   */
  static forAcs(acs: AcsConnection, options: RecordingControlOptions = {}): RecordingControl {
    const endpoint = new URL(acs.endpoint);
    // Loaded here, not at the top: only the control API needs this SDK, and the functions that do not should not
    // pay for loading it on a cold start.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- deferred load, see above
    const { CallAutomationClient } = require("@azure/communication-call-automation") as typeof CallAutomation;
    const client = new CallAutomationClient(`endpoint=${acs.endpoint}/;accesskey=${acs.accessKey}`, {
      allowInsecureConnection: endpoint.protocol === "http:" && isLoopbackHost(endpoint.hostname),
      retryOptions: { ...DEFAULT_RETRY, ...options.retry },
    });
    return new RecordingControl(client.getCallRecording(), options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  }

  async start(request: StartRecordingRequest): Promise<RecordingStatus> {
    const result = await this.call("start", request.callIdField, (abortSignal) =>
      this.recording.start({
        callLocator: { kind: "serverCallLocator", id: request.serverCallId },
        ...(request.recordingStateCallbackUri ? { recordingStateCallbackEndpointUrl: request.recordingStateCallbackUri } : {}),
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
    const result = await this.call("getState", "recordingId", (abortSignal) => this.recording.getState(id, { abortSignal }));
    return this.status("getState", result);
  }

  async pause(recordingId: string): Promise<ControlOutcome> {
    const id = parseRecordingId(recordingId);
    return this.control("pause", (options) => this.recording.pause(id, options));
  }

  async resume(recordingId: string): Promise<ControlOutcome> {
    const id = parseRecordingId(recordingId);
    return this.control("resume", (options) => this.recording.resume(id, options));
  }

  async stop(recordingId: string): Promise<ControlOutcome> {
    const id = parseRecordingId(recordingId);
    return this.control("stop", (options) => this.recording.stop(id, options));
  }

  /** Runs a void operation and reports whether the service answered 202 (the client itself hides the status). */
  private async control(
    operation: RecordingOperation,
    send: (options: { abortSignal: AbortSignal; onResponse: (response: { status: number }) => void }) => Promise<void>,
  ): Promise<ControlOutcome> {
    let status = 0;
    await this.call(operation, "recordingId", (abortSignal) =>
      send({
        abortSignal,
        onResponse: (response) => {
          status = response.status;
        },
      }),
    );
    return { accepted: status === 202 };
  }

  private async call<T>(operation: RecordingOperation, target: string, send: (abortSignal: AbortSignal) => Promise<T>): Promise<T> {
    try {
      return await send(AbortSignal.timeout(this.timeoutMs));
    } catch (error) {
      throw fromServiceFailure(error, operation, target, this.timeoutMs);
    }
  }

  /** The client types every field as present; a service answer may still lack them. */
  private status(operation: RecordingOperation, result: { recordingId?: string; recordingState?: string; recordingKind?: string }): RecordingStatus {
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
