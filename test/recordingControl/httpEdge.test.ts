import { describe, expect, it } from "vitest";
import { controlErrorResponse, readJsonBody } from "../../src/recordingControl/httpEdge";
import {
  InvalidRecordingRequestError,
  RecordingNotFoundError,
  RecordingRequestRejectedError,
  RecordingServiceError,
} from "../../src/recordingControl/errors";
import { functionRequest, notConfiguredError } from "../support/handlerHarness";
import { capturingContext } from "../support/testSettings";

const DETAIL = { code: "8522", message: "Recording is not active.", target: "recordingId" };

function mapped(error: unknown) {
  const { context, logs } = capturingContext();
  return { response: controlErrorResponse(error, context), logs };
}

describe("controlErrorResponse: the recording control API's failures, bare", () => {
  it("a bad setting: 503 ConfigurationError with Retry-After 60, a warning", () => {
    const { response, logs } = mapped(notConfiguredError());
    expect(response.status).toBe(503);
    expect(response.headers).toEqual({ "Retry-After": "60" });
    expect(response.jsonBody).toMatchObject({ code: "ConfigurationError" });
    expect(logs.map((line) => line.level)).toEqual(["warning"]);
  });

  it("bad input: 400 InvalidRequest naming the field", () => {
    const { response } = mapped(new InvalidRecordingRequestError("channel", "must be one of mixed, unmixed."));
    expect(response).toEqual({
      status: 400,
      jsonBody: { code: "InvalidRequest", message: "channel must be one of mixed, unmixed.", target: "channel" },
    });
  });

  it("a service refusal: 400 RequestRejected, target and details from the service's error; none without one", () => {
    const withDetail = mapped(
      new RecordingRequestRejectedError({ operation: "pause", status: 400, serviceError: DETAIL }),
    ).response;
    expect(withDetail.status).toBe(400);
    expect(withDetail.jsonBody).toEqual({
      code: "RequestRejected",
      message: "The recording service refused to pause the recording: Recording is not active.",
      target: "recordingId",
      details: [DETAIL],
    });
    const without = mapped(new RecordingRequestRejectedError({ operation: "pause", status: 400 })).response;
    expect(without.jsonBody).toEqual({
      code: "RequestRejected",
      message: "The recording service refused to pause the recording.",
    });
  });

  it("an unknown call or recording: 404 NotFound naming the field", () => {
    const { response, logs } = mapped(
      new RecordingNotFoundError({ operation: "start", status: 404, serviceError: DETAIL }, "conversationId"),
    );
    expect(response.status).toBe(404);
    expect(response.jsonBody).toEqual({
      code: "NotFound",
      message: "The recording service knows no call with this conversationId (or the call has ended).",
      target: "conversationId",
      details: [DETAIL],
    });
    expect(logs[0]?.message).toContain("service said 8522");
  });

  it("a service failure: 502 UpstreamFailure, the service's own text only in the log", () => {
    const { response, logs } = mapped(
      new RecordingServiceError(
        { operation: "stop", status: 500, serviceError: DETAIL },
        "it answered HTTP 500 (8522).",
      ),
    );
    expect(response).toEqual({
      status: 502,
      jsonBody: {
        code: "UpstreamFailure",
        message: "The recording service failed to stop the recording: it answered HTTP 500 (8522).",
      },
    });
    expect(logs.map((line) => line.level)).toEqual(["error"]);
    expect(logs[0]?.message).toContain("Recording is not active.");
  });

  it("anything else: 500 InternalError, its text only in the log", () => {
    const { response, logs } = mapped(new RangeError("index out of range"));
    expect(response).toEqual({
      status: 500,
      jsonBody: { code: "InternalError", message: "The request could not be processed; see the function's log." },
    });
    expect(logs[0]?.message).toContain("RangeError: index out of range");
  });
});

describe("readJsonBody: the control API's JSON body", () => {
  const post = (body?: string, headers?: Record<string, string>) =>
    functionRequest({
      method: "POST",
      path: "recordings",
      ...(body !== undefined ? { body } : {}),
      ...(headers ? { headers } : {}),
    });
  const refusal = async (read: Promise<unknown>): Promise<string> => {
    const error: unknown = await read.then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    if (!(error instanceof InvalidRecordingRequestError))
      throw new Error(`expected InvalidRecordingRequestError, got ${String(error)}`);
    return error.message;
  };

  it("parses JSON whatever the Content-Type (curl -d sends form encoding)", async () => {
    await expect(
      readJsonBody(post('{"serverCallId":"s"}', { "content-type": "application/x-www-form-urlencoded" }), false),
    ).resolves.toEqual({
      serverCallId: "s",
    });
  });

  it("an empty body is undefined when optional, refused when required", async () => {
    await expect(readJsonBody(post(), true)).resolves.toBeUndefined();
    await expect(readJsonBody(post("  "), true)).resolves.toBeUndefined();
    expect(await refusal(readJsonBody(post(), false))).toBe("body is required: a JSON object.");
  });

  it("refuses text that is not JSON, and a body over 64 KiB (declared or sent)", async () => {
    expect(await refusal(readJsonBody(post("{"), true))).toBe("body is not valid JSON.");
    expect(await refusal(readJsonBody(post("{}", { "content-length": String(64 * 1024 + 1) }), true))).toBe(
      "body must be at most 65536 bytes.",
    );
    expect(await refusal(readJsonBody(post(`"${"x".repeat(64 * 1024)}"`), true))).toBe(
      "body must be at most 65536 bytes.",
    );
  });
});
