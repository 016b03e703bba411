import { describe, expect, it } from "vitest";
import { startRecording } from "../../src/functions/startRecording";
import {
  RecordingNotFoundError,
  RecordingRequestRejectedError,
  RecordingServiceError,
} from "../../src/recordingControl/errors";
import type { RecordingControls } from "../../src/recordingControl/recordingControls";
import { callHttp, functionRequest, loggedText, notConfigured } from "../support/handlerHarness";
import { controlsOf, SERVICE_DETAIL } from "../support/recordingControlFakes";

const STARTED = { recordingId: "rec-1", recordingState: "active", recordingKind: "AzureCommunicationServices" };

function start(body: string | undefined, query?: Record<string, string>, headers?: Record<string, string>) {
  return functionRequest({
    method: "POST",
    path: "recordings",
    ...(body !== undefined ? { body } : {}),
    ...(query ? { query } : {}),
    ...(headers ? { headers } : {}),
  });
}

const answering = (outcome: unknown) =>
  controlsOf(() => (outcome instanceof Error ? Promise.reject(outcome) : Promise.resolve(outcome)));

describe("startRecording: POST /api/recordings", () => {
  it("200 with the service's status, the server call id and the operationContext echoed", async () => {
    const { lazy, calls } = answering(STARTED);
    const answer = await callHttp(
      startRecording(lazy),
      start(JSON.stringify({ serverCallId: "server-call-1", operationContext: "case-42", content: "audio" })),
    );
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({ ...STARTED, serverCallId: "server-call-1", operationContext: "case-42" });
    expect(calls).toEqual([
      {
        resource: "ACS_CONNECTION_STRING",
        operation: "start",
        argument: {
          serverCallId: "server-call-1",
          callIdField: "serverCallId",
          operationContext: "case-42",
          content: "audio",
        },
      },
    ]);
    expect(loggedText(answer.logs)).toContain("Started recording rec-1 (active) of server call server-call-1");
  });

  it.each([
    ["no body", undefined, "body", "body is required: a JSON object."],
    ["a body that is not JSON", "{", "body", "body is not valid JSON."],
    ["a JSON array", "[]", "body", "body must be a JSON object."],
    ["no call id", JSON.stringify({ content: "audio" }), "serverCallId", undefined],
    ["two call ids", JSON.stringify({ serverCallId: "a", conversationId: "b" }), "conversationId", undefined],
    ["an unknown field", JSON.stringify({ serverCallId: "a", recordingFormat: "mp4" }), "recordingFormat", undefined],
    ["a bad choice", JSON.stringify({ serverCallId: "a", channel: "stereo" }), "channel", undefined],
  ])(
    "400 InvalidRequest, bare, naming the field, for %s; nothing reaches the service",
    async (_case, body, target, message) => {
      const { lazy, calls } = answering(STARTED);
      const answer = await callHttp(startRecording(lazy), start(body));
      expect(answer.status).toBe(400);
      expect(answer.json).toMatchObject({ code: "InvalidRequest", target, ...(message ? { message } : {}) });
      expect(calls).toEqual([]);
    },
  );

  it("400 for a declared body over 64 KiB, before reading it", async () => {
    const answer = await callHttp(
      startRecording(answering(STARTED).lazy),
      start("{}", undefined, { "content-length": String(64 * 1024 + 1) }),
    );
    expect(answer.status).toBe(400);
    expect(answer.json).toEqual({
      code: "InvalidRequest",
      message: "body must be at most 65536 bytes.",
      target: "body",
    });
  });

  it("404 NotFound naming the call id field when the service knows no such call", async () => {
    const notFound = new RecordingNotFoundError(
      { operation: "start", status: 404, serviceError: SERVICE_DETAIL },
      "serverCallId",
    );
    const answer = await callHttp(
      startRecording(answering(notFound).lazy),
      start(JSON.stringify({ serverCallId: "gone" })),
    );
    expect(answer.status).toBe(404);
    expect(answer.json).toEqual({
      code: "NotFound",
      message: "The recording service knows no call with this serverCallId (or the call has ended).",
      target: "serverCallId",
      details: [SERVICE_DETAIL],
    });
  });

  it("400 RequestRejected with the service's detail; 502 UpstreamFailure without it", async () => {
    const rejected = new RecordingRequestRejectedError({
      operation: "start",
      status: 400,
      serviceError: SERVICE_DETAIL,
    });
    const refused = await callHttp(
      startRecording(answering(rejected).lazy),
      start(JSON.stringify({ serverCallId: "s" })),
    );
    expect(refused.status).toBe(400);
    expect(refused.json).toEqual({
      code: "RequestRejected",
      message: rejected.message,
      target: "recordingId",
      details: [SERVICE_DETAIL],
    });
    const failed = new RecordingServiceError(
      { operation: "start", status: 503, serviceError: SERVICE_DETAIL },
      "it answered HTTP 503.",
    );
    const upstream = await callHttp(
      startRecording(answering(failed).lazy),
      start(JSON.stringify({ serverCallId: "s" })),
    );
    expect(upstream.status).toBe(502);
    expect(upstream.json).toEqual({
      code: "UpstreamFailure",
      message: "The recording service failed to start the recording: it answered HTTP 503.",
    });
  });

  it("500 InternalError, bare, without the error's text, for anything unexpected", async () => {
    const answer = await callHttp(
      startRecording(answering(new TypeError("private detail")).lazy),
      start(JSON.stringify({ serverCallId: "s" })),
    );
    expect(answer.status).toBe(500);
    expect(answer.json).toEqual({
      code: "InternalError",
      message: "The request could not be processed; see the function's log.",
    });
    expect(loggedText(answer.logs)).toContain("private detail");
  });

  it("503 ConfigurationError, bare, with Retry-After 60, while a setting is bad", async () => {
    const answer = await callHttp(
      startRecording(notConfigured<RecordingControls>("ACS_CONNECTION_STRING")),
      start(JSON.stringify({ serverCallId: "s" })),
    );
    expect(answer.status).toBe(503);
    expect(answer.headers.get("retry-after")).toBe("60");
    expect(answer.json).toMatchObject({
      code: "ConfigurationError",
      message: expect.stringContaining("ACS_CONNECTION_STRING") as string,
    });
  });

  it("with two ACS resources: 400 naming acsResource without one, 400 for one it does not serve, the named one otherwise", async () => {
    const { lazy, calls } = controlsOf(() => Promise.resolve(STARTED), "two");
    const body = JSON.stringify({ serverCallId: "s" });
    expect((await callHttp(startRecording(lazy), start(body))).json).toMatchObject({
      code: "InvalidRequest",
      target: "acsResource",
    });
    const unknown = await callHttp(startRecording(lazy), start(body, { acsResource: "other-acs" }));
    expect(unknown.status).toBe(400);
    expect(unknown.json).toMatchObject({ target: "acsResource" });
    const named = await callHttp(startRecording(lazy), start(body, { acsResource: "contoso-acs" }));
    expect(named.status).toBe(200);
    expect(calls.map((call) => call.resource)).toEqual(["contoso-acs"]);
    expect(loggedText(named.logs)).toContain("on ACS resource contoso-acs");
  });
});
