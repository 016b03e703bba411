import { randomUUID } from "node:crypto";

export type SimRecordingContent = "audioVideo" | "audio";
export type SimRecordingChannel = "mixed" | "unmixed";
export type SimRecordingFormat = "mp4" | "mp3" | "wav";

/** Internal lifecycle; the API reports "paused" as recordingState "inactive" and knows nothing once "stopped". */
export type SimRecordingPhase = "active" | "paused" | "stopped";

export interface PauseInterval {
  /** ISO 8601. */
  readonly startTime: string;
  readonly durationMs: number;
}

/** A recording as the simulated service holds it. */
export interface SimRecording {
  readonly recordingId: string;
  readonly serverCallId: string;
  readonly content: SimRecordingContent;
  readonly channel: SimRecordingChannel;
  readonly format: SimRecordingFormat;
  readonly recordingStateCallbackUri?: string;
  readonly phase: SimRecordingPhase;
  readonly startedAt: Date;
  readonly stoppedAt?: Date;
  /** Closed pause intervals (a pause still open at stop is closed then). */
  readonly pauses: readonly PauseInterval[];
  /** Why it stopped: a stop request, or the end of the call. */
  readonly endReason?: "stopped" | "callEnded";
}

/** What `onStopped` receives: enough to build the RecordingFileStatusUpdated event the service would emit. */
export interface StoppedRecording {
  readonly recordingId: string;
  readonly serverCallId: string;
  readonly content: SimRecordingContent;
  readonly channel: SimRecordingChannel;
  readonly format: SimRecordingFormat;
  readonly startedAt: string;
  readonly stoppedAt: string;
  /** From start to stop, pauses included. */
  readonly durationMs: number;
  /** The paused parts, which the file skips (the metadata's pauseResumeIntervals). */
  readonly pauseResumeIntervals: readonly PauseInterval[];
  readonly endReason: "stopped" | "callEnded";
}

/** A refusal in the service's terms: HTTP status, error code, message, offending field. */
export class ServiceRefusal extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly target?: string,
  ) {
    super(message);
  }
}

interface MutableRecording {
  recordingId: string;
  serverCallId: string;
  content: SimRecordingContent;
  channel: SimRecordingChannel;
  format: SimRecordingFormat;
  recordingStateCallbackUri?: string;
  phase: SimRecordingPhase;
  startedAt: Date;
  stoppedAt?: Date;
  pauses: PauseInterval[];
  pausedSince?: Date;
  endReason?: "stopped" | "callEnded";
}

export interface StartSpec {
  serverCallId: string;
  content: SimRecordingContent;
  channel: SimRecordingChannel;
  format: SimRecordingFormat;
  recordingStateCallbackUri?: string;
  pauseOnStart: boolean;
}

/**
 * The state machine of the Call Automation recording API: a call in progress may have one recording at a time;
 * pause only when active, resume only when paused, stop (or the end of the call) ends it, and a stopped or unknown
 * recording is 404 to every operation.
 */
export class RecordingSessions {
  private readonly calls = new Set<string>();
  private readonly recordings = new Map<string, MutableRecording>();

  constructor(
    private readonly now: () => Date = () => new Date(),
    /** Treat every serverCallId as a call in progress (manual use, e.g. curl against `func start`). */
    private readonly acceptAnyCall = false,
  ) {}

  addCall(serverCallId: string): void {
    if (!serverCallId) throw new Error("serverCallId must not be empty");
    this.calls.add(serverCallId);
  }

  hasCall(serverCallId: string): boolean {
    return this.calls.has(serverCallId);
  }

  /** Ends a call; a recording still running in it stops (returned so the caller can announce it). */
  endCall(serverCallId: string): StoppedRecording | undefined {
    this.calls.delete(serverCallId);
    const running = [...this.recordings.values()].find(
      (recording) => recording.serverCallId === serverCallId && recording.phase !== "stopped",
    );
    return running ? this.finish(running, "callEnded") : undefined;
  }

  get(recordingId: string): SimRecording | undefined {
    return this.recordings.get(recordingId);
  }

  all(): SimRecording[] {
    return [...this.recordings.values()];
  }

  start(spec: StartSpec): SimRecording {
    if (!this.acceptAnyCall && !this.calls.has(spec.serverCallId)) {
      throw new ServiceRefusal(
        404,
        "CallNotFound",
        "No call in progress has this serverCallId.",
        "callLocator.serverCallId",
      );
    }
    const running = [...this.recordings.values()].find(
      (recording) => recording.serverCallId === spec.serverCallId && recording.phase !== "stopped",
    );
    if (running) {
      throw new ServiceRefusal(
        400,
        "RecordingAlreadyInProgress",
        `The call is already being recorded (recording ${running.recordingId}).`,
      );
    }
    const startedAt = this.now();
    const recording: MutableRecording = {
      recordingId: newRecordingId(),
      serverCallId: spec.serverCallId,
      content: spec.content,
      channel: spec.channel,
      format: spec.format,
      ...(spec.recordingStateCallbackUri ? { recordingStateCallbackUri: spec.recordingStateCallbackUri } : {}),
      phase: spec.pauseOnStart ? "paused" : "active",
      startedAt,
      pauses: [],
      ...(spec.pauseOnStart ? { pausedSince: startedAt } : {}),
    };
    this.recordings.set(recording.recordingId, recording);
    return recording;
  }

  pause(recordingId: string): void {
    const recording = this.require(recordingId);
    if (recording.phase !== "active")
      throw new ServiceRefusal(400, "RecordingNotActive", "The recording is not active, so it cannot be paused.");
    recording.phase = "paused";
    recording.pausedSince = this.now();
  }

  resume(recordingId: string): void {
    const recording = this.require(recordingId);
    if (recording.phase !== "paused")
      throw new ServiceRefusal(400, "RecordingNotPaused", "The recording is not paused, so it cannot be resumed.");
    this.closePause(recording);
    recording.phase = "active";
  }

  stop(recordingId: string): StoppedRecording {
    return this.finish(this.require(recordingId), "stopped");
  }

  /** A recording the API still knows (not stopped); 404 otherwise. */
  require(recordingId: string): MutableRecording {
    const recording = this.recordings.get(recordingId);
    if (!recording || recording.phase === "stopped") {
      throw new ServiceRefusal(404, "RecordingNotFound", "No recording with this id is in progress.", "recordingId");
    }
    return recording;
  }

  private finish(recording: MutableRecording, endReason: "stopped" | "callEnded"): StoppedRecording {
    this.closePause(recording);
    const stoppedAt = this.now();
    recording.phase = "stopped";
    recording.stoppedAt = stoppedAt;
    recording.endReason = endReason;
    return {
      recordingId: recording.recordingId,
      serverCallId: recording.serverCallId,
      content: recording.content,
      channel: recording.channel,
      format: recording.format,
      startedAt: recording.startedAt.toISOString(),
      stoppedAt: stoppedAt.toISOString(),
      durationMs: stoppedAt.getTime() - recording.startedAt.getTime(),
      pauseResumeIntervals: [...recording.pauses],
      endReason,
    };
  }

  private closePause(recording: MutableRecording): void {
    if (!recording.pausedSince) return;
    recording.pauses.push({
      startTime: recording.pausedSince.toISOString(),
      durationMs: this.now().getTime() - recording.pausedSince.getTime(),
    });
    delete recording.pausedSince;
  }
}

/** Real recording ids are base64 of a small JSON document; base64url keeps them path-safe here. */
function newRecordingId(): string {
  const document = { PlatformEndpointId: randomUUID(), ResourceSpecificId: randomUUID() };
  return Buffer.from(JSON.stringify(document), "utf8").toString("base64url");
}
