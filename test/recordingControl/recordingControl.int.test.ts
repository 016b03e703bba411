// Integration tier. Needs: the ACS simulator, loopback servers.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { parseAcsConnectionString } from "../../src/config/acsConnectionString";
import {
  InvalidRecordingRequestError,
  RecordingNotFoundError,
  RecordingRequestRejectedError,
  RecordingServiceError,
} from "../../src/recordingControl/errors";
import { RecordingControl } from "../../src/recordingControl/recordingControl";
import type { StartRecordingRequest } from "../../src/recordingControl/requestValidation";
import { startAcsSimulator, type AcsSimulator } from "../../tools/acsSimulator";
import {
  createCallRecordingSimulator,
  type CallRecordingSimulator,
  type StoppedRecording,
} from "../../tools/acsSimulator/callAutomation";
import { freePort } from "../../tools/freePort";

const FAST_RETRY = { retryDelayInMs: 10, maxRetryDelayInMs: 40 };

let callSequence = 0;
function newCallId(): string {
  callSequence += 1;
  return Buffer.from(
    `https://api.flightproxy.skype.com/api/v2/cp/conv-sim/conversations/core-${callSequence}`,
  ).toString("base64url");
}

function startOf(serverCallId: string, extra: Partial<StartRecordingRequest> = {}): StartRecordingRequest {
  return { serverCallId, callIdField: "serverCallId", ...extra };
}

/** The rejection of `promise`, which must be an instance of `type`. */
async function failureOf<T>(promise: Promise<unknown>, type: new (...args: never[]) => T): Promise<T> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(type);
  return error as T;
}

describe("RecordingControl against the simulated Call Automation recording API", () => {
  let sim: AcsSimulator;
  let calls: CallRecordingSimulator;
  let control: RecordingControl;
  const stopped: StoppedRecording[] = [];

  beforeAll(async () => {
    sim = await startAcsSimulator();
    calls = createCallRecordingSimulator({ onStopped: (recording) => void stopped.push(recording) });
    sim.addEndpointRoute(calls.route);
    control = RecordingControl.forAcs(parseAcsConnectionString(sim.connectionString), { retry: FAST_RETRY });
  });
  afterAll(() => sim.close());
  beforeEach(() => {
    stopped.length = 0;
    calls.clearFaults();
  });

  it("starts a recording with a serverCallLocator, signed, with the client's api-version and a repeatability id", async () => {
    const call = newCallId();
    calls.addCall(call);
    const started = await control.start(startOf(call));
    expect(started).toEqual({
      recordingId: expect.any(String) as unknown,
      recordingState: "active",
      recordingKind: "azureCommunicationServices",
    });

    const request = calls.requests.at(-1);
    expect(request).toMatchObject({ operation: "start", method: "POST", status: 200, apiVersion: "2026-03-12" });
    expect(request?.repeatabilityRequestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.parse(request?.body ?? "")).toEqual({ callLocator: { kind: "serverCallLocator", serverCallId: call } });
    expect(sim.requests.at(-1)).toMatchObject({ listener: "endpoint", authorized: true, status: 200 });
    expect(calls.recording(started.recordingId)).toMatchObject({
      serverCallId: call,
      content: "audioVideo",
      channel: "mixed",
      format: "mp4",
    });
  });

  it("passes content, channel, format and the state callback to the service", async () => {
    const call = newCallId();
    calls.addCall(call);
    const started = await control.start(
      startOf(call, {
        content: "audio",
        channel: "unmixed",
        format: "wav",
        recordingStateCallbackUri: "https://app.example.com/state",
      }),
    );
    expect(JSON.parse(calls.requests.at(-1)?.body ?? "")).toMatchObject({
      recordingContentType: "audio",
      recordingChannelType: "unmixed",
      recordingFormatType: "wav",
      recordingStateCallbackUri: "https://app.example.com/state",
    });
    expect(calls.recording(started.recordingId)).toMatchObject({ content: "audio", channel: "unmixed", format: "wav" });
  });

  it("pauses, resumes and stops, reporting the state after each step and what the service answered", async () => {
    const call = newCallId();
    calls.addCall(call);
    const { recordingId } = await control.start(startOf(call));

    expect(await control.pause(recordingId)).toEqual({ accepted: true });
    expect(await control.getState(recordingId)).toMatchObject({ recordingId, recordingState: "inactive" });
    expect(await control.resume(recordingId)).toEqual({ accepted: true });
    expect(await control.getState(recordingId)).toMatchObject({ recordingId, recordingState: "active" });
    expect(await control.stop(recordingId)).toEqual({ accepted: false });
    await calls.drain();

    expect(stopped).toEqual([
      expect.objectContaining({
        recordingId,
        serverCallId: call,
        endReason: "stopped",
        pauseResumeIntervals: [expect.objectContaining({ durationMs: expect.any(Number) as unknown })],
      }),
    ]);
    expect(calls.requests.slice(-5).map((request) => [request.operation, request.status])).toEqual([
      ["pause", 202],
      ["getState", 200],
      ["resume", 202],
      ["getState", 200],
      ["stop", 204],
    ]);
    const gone = await failureOf(control.getState(recordingId), RecordingNotFoundError);
    expect(gone).toMatchObject({
      name: "RecordingNotFoundError",
      code: "NotFound",
      target: "recordingId",
      answer: { operation: "getState", status: 404 },
    });
  });

  it("maps the service's refusal to pause a recording that is not active (400) to RecordingRequestRejectedError", async () => {
    const call = newCallId();
    calls.addCall(call);
    const { recordingId } = await control.start(startOf(call));
    await control.pause(recordingId);
    const error = await failureOf(control.pause(recordingId), RecordingRequestRejectedError);
    expect(error).toMatchObject({
      name: "RecordingRequestRejectedError",
      code: "RequestRejected",
      answer: { operation: "pause", status: 400, serviceError: { code: "RecordingNotActive" } },
    });
    expect(error.message).toBe(
      "The recording service refused to pause the recording: The recording is not active, so it cannot be paused.",
    );
  });

  it("maps resuming an active recording and starting a second recording of a call to RequestRejected", async () => {
    const call = newCallId();
    calls.addCall(call);
    const { recordingId } = await control.start(startOf(call));
    const resume = await failureOf(control.resume(recordingId), RecordingRequestRejectedError);
    expect(resume.answer.serviceError?.code).toBe("RecordingNotPaused");
    const again = await failureOf(control.start(startOf(call)), RecordingRequestRejectedError);
    expect(again.answer.serviceError?.code).toBe("RecordingAlreadyInProgress");
  });

  it("passes a combination the service does not support to the service, which refuses it with a target", async () => {
    const call = newCallId();
    calls.addCall(call);
    const error = await failureOf(
      control.start(startOf(call, { content: "audioVideo", format: "mp3" })),
      RecordingRequestRejectedError,
    );
    expect(error.answer.serviceError).toMatchObject({
      code: "UnsupportedRecordingConfiguration",
      target: "recordingFormatType",
    });
  });

  it("maps an unknown call to RecordingNotFoundError naming the field that named the call", async () => {
    const error = await failureOf(
      control.start(startOf(newCallId(), { callIdField: "conversationId" })),
      RecordingNotFoundError,
    );
    expect(error).toMatchObject({
      target: "conversationId",
      answer: { operation: "start", status: 404, serviceError: { code: "CallNotFound" } },
    });
    expect(error.message).toBe("The recording service knows no call with this conversationId (or the call has ended).");
  });

  it("maps unknown recording ids to RecordingNotFoundError for every operation", async () => {
    for (const operation of ["getState", "pause", "resume", "stop"] as const) {
      const error = await failureOf(control[operation]("eyJubyI6InN1Y2gifQ"), RecordingNotFoundError);
      expect(error.answer).toMatchObject({ operation, status: 404 });
    }
  });

  it("validates the recording id before sending anything", async () => {
    const before = calls.requests.length;
    const error = await failureOf(control.pause("not an id"), InvalidRecordingRequestError);
    expect(error.target).toBe("recordingId");
    expect(calls.requests.length).toBe(before);
  });

  it("retries a 500 on start with the same repeatability id, so the service starts one recording", async () => {
    const call = newCallId();
    calls.addCall(call);
    calls.failNext({ operation: "start", status: 500 });
    const before = calls.requests.length;
    const started = await control.start(startOf(call));
    const attempts = calls.requests.slice(before);
    expect(attempts.map((attempt) => [attempt.status, attempt.faulted])).toEqual([
      [500, true],
      [200, false],
    ]);
    expect(attempts[0]?.repeatabilityRequestId).toBe(attempts[1]?.repeatabilityRequestId);
    expect(
      calls
        .recordings()
        .filter((recording) => recording.serverCallId === call)
        .map((recording) => recording.recordingId),
    ).toEqual([started.recordingId]);
  });

  it("maps a lasting 500 to RecordingServiceError after the retries", async () => {
    const call = newCallId();
    calls.addCall(call);
    const { recordingId } = await control.start(startOf(call));
    calls.failNext({ operation: "pause", status: 500, times: Infinity });
    const before = calls.requests.length;
    try {
      const error = await failureOf(control.pause(recordingId), RecordingServiceError);
      expect(error).toMatchObject({
        name: "RecordingServiceError",
        code: "UpstreamFailure",
        answer: { operation: "pause", status: 500 },
      });
      expect(error.message).toBe(
        "The recording service failed to pause the recording: it answered HTTP 500 (InternalServerError).",
      );
      expect(calls.requests.length - before).toBe(4);
    } finally {
      calls.clearFaults();
    }
  });

  it("never copies a non-JSON error page into the message", async () => {
    calls.failNext({
      operation: "getState",
      status: 502,
      times: 4,
      body: "<html><body>Bad gateway at proxy-17 (stack: at Foo.bar)</body></html>",
    });
    const error = await failureOf(control.getState("eyJhIjoxfQ"), RecordingServiceError);
    expect(error.answer.status).toBe(502);
    expect(error.message).toBe("The recording service failed to report the recording's state: it answered HTTP 502.");
    expect(error.message).not.toMatch(/html|stack|proxy/);
  });

  it("treats a 409 (any status other than 400 and 404) as a service failure", async () => {
    calls.failNext({ operation: "stop", status: 409, body: { error: { code: "Conflict", message: "Busy." } } });
    const error = await failureOf(control.stop("eyJhIjoxfQ"), RecordingServiceError);
    expect(error.answer).toMatchObject({ status: 409, serviceError: { code: "Conflict" } });
  });

  it("maps a refused signature (another key) to RecordingServiceError without naming any key", async () => {
    const otherKey = Buffer.alloc(32, 9).toString("base64");
    const stranger = RecordingControl.forAcs(
      parseAcsConnectionString(`endpoint=${sim.endpointUrl}/;accesskey=${otherKey}`),
      { retry: FAST_RETRY },
    );
    const error = await failureOf(stranger.getState("eyJhIjoxfQ"), RecordingServiceError);
    expect(error.answer.status).toBe(401);
    expect(error.message).toContain("check ACS_CONNECTION_STRING");
    expect(error.message).not.toContain(otherKey);
    expect(error.message).not.toContain(sim.accessKey);
  });

  it("maps an unreachable service to RecordingServiceError", async () => {
    const port = await freePort();
    const nowhere = RecordingControl.forAcs(
      parseAcsConnectionString(`endpoint=http://127.0.0.1:${port}/;accesskey=${sim.accessKey}`),
      { retry: FAST_RETRY },
    );
    const error = await failureOf(nowhere.getState("eyJhIjoxfQ"), RecordingServiceError);
    expect(error.answer.status).toBeUndefined();
    expect(error.message).toBe(
      "The recording service failed to report the recording's state: it could not be reached (ECONNREFUSED).",
    );
  });

  it("gives up after its timeout when the service does not answer", async () => {
    const slow = RecordingControl.forAcs(parseAcsConnectionString(sim.connectionString), {
      timeoutMs: 200,
      retry: FAST_RETRY,
    });
    calls.failNext({ operation: "getState", status: 500, delayMs: 2_000 });
    // The outcome names the client's own 200 ms timeout (the service would have answered 500 after 2 s).
    const error = await failureOf(slow.getState("eyJhIjoxfQ"), RecordingServiceError);
    expect(error.message).toBe(
      "The recording service failed to report the recording's state: it did not answer within 200 ms.",
    );
  });

  it("never sends to a plain-http endpoint that is not loopback", async () => {
    const port = new URL(sim.endpointUrl).port;
    const before = sim.requests.length;
    const insecure = RecordingControl.forAcs({
      endpoint: `http://[::ffff:7f00:1]:${port}`,
      endpointHost: `[::ffff:7f00:1]:${port}`,
      accessKey: sim.accessKey,
    });
    await expect(insecure.getState("eyJhIjoxfQ")).rejects.toThrow(/allowInsecureConnection/);
    expect(sim.requests.length).toBe(before);
  });

  it("announces a recording that stops because its call ended", async () => {
    const call = newCallId();
    calls.addCall(call);
    const { recordingId } = await control.start(startOf(call));
    await control.pause(recordingId);
    calls.endCall(call);
    await calls.drain();
    expect(stopped).toEqual([
      expect.objectContaining({ recordingId, endReason: "callEnded", pauseResumeIntervals: [expect.any(Object)] }),
    ]);
    await failureOf(control.resume(recordingId), RecordingNotFoundError);
    await failureOf(control.start(startOf(call)), RecordingNotFoundError);
  });
});
