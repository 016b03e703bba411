import { createHttpHeaders, createPipelineRequest, RestError, type PipelineResponse } from "@azure/core-rest-pipeline";
import { describe, expect, it } from "vitest";
import {
  RecordingNotFoundError,
  RecordingRequestRejectedError,
  RecordingServiceError,
} from "../../src/recordingControl/errors";
import { fromServiceFailure } from "../../src/recordingControl/serviceErrors";

const SIGNED = createPipelineRequest({
  url: "https://contoso.communication.azure.com/calling/recordings/rec-1",
  headers: createHttpHeaders({ authorization: "HMAC-SHA256 Signature=c2lnbmF0dXJl" }),
});

/** A RestError as the Call Automation client throws it: the parsed `{ error }` body (when there was one) on its response. */
function restError(
  statusCode: number | undefined,
  parsedBody?: unknown,
  options: { code?: string; message?: string } = {},
): RestError {
  const response =
    statusCode === undefined
      ? undefined
      : ({ status: statusCode, headers: createHttpHeaders(), request: SIGNED, parsedBody } as PipelineResponse);
  return new RestError(options.message ?? "raw body text", {
    ...(statusCode !== undefined ? { statusCode } : {}),
    ...(options.code ? { code: options.code } : {}),
    request: SIGNED,
    ...(response ? { response } : {}),
  });
}

const SERVICE_BODY = { error: { code: "8522", message: "Recording is not active.", target: "recordingId" } };

describe("fromServiceFailure: the Call Automation client's failures as domain errors", () => {
  it("404 -> RecordingNotFoundError naming the field, with the service's detail", () => {
    const error = fromServiceFailure(restError(404, SERVICE_BODY), "getState", "recordingId", 30_000);
    expect(error).toBeInstanceOf(RecordingNotFoundError);
    const notFound = error as RecordingNotFoundError;
    expect(notFound.target).toBe("recordingId");
    expect(notFound.answer).toEqual({ operation: "getState", status: 404, serviceError: SERVICE_BODY.error });
  });

  it("400 -> RecordingRequestRejectedError with the service's message", () => {
    const error = fromServiceFailure(restError(400, SERVICE_BODY), "pause", "recordingId", 30_000);
    expect(error).toBeInstanceOf(RecordingRequestRejectedError);
    expect((error as Error).message).toBe(
      "The recording service refused to pause the recording: Recording is not active.",
    );
  });

  it("401/403 -> RecordingServiceError naming the key settings tried, never the key", () => {
    const error = fromServiceFailure(
      restError(401),
      "start",
      "serverCallId",
      30_000,
      "ACS_RESOURCES__0__CONNECTION_STRING",
    );
    expect(error).toBeInstanceOf(RecordingServiceError);
    expect((error as Error).message).toBe(
      "The recording service failed to start the recording: it refused this app's credentials (HTTP 401); check ACS_RESOURCES__0__CONNECTION_STRING.",
    );
    expect((error as Error).message).not.toContain("Signature");
  });

  it("5xx -> RecordingServiceError naming the status and the service's code, not its text", () => {
    const error = fromServiceFailure(
      restError(503, SERVICE_BODY),
      "stop",
      "recordingId",
      30_000,
    ) as RecordingServiceError;
    expect(error).toBeInstanceOf(RecordingServiceError);
    expect(error.message).toBe("The recording service failed to stop the recording: it answered HTTP 503 (8522).");
    expect(error.answer.status).toBe(503);
  });

  it("a body that did not parse: the raw text is not taken as the service's message", () => {
    const error = fromServiceFailure(
      restError(400, undefined, { message: "<html>proxy error</html>" }),
      "resume",
      "recordingId",
      30_000,
    );
    expect((error as RecordingRequestRejectedError).answer.serviceError).toBeUndefined();
    expect((error as Error).message).toBe("The recording service refused to resume the recording.");
  });

  it("long service texts are clipped", () => {
    const long = { error: { code: "c".repeat(300), message: "m".repeat(2000) } };
    const detail = (
      fromServiceFailure(restError(400, long), "pause", "recordingId", 30_000) as RecordingRequestRejectedError
    ).answer.serviceError;
    expect(detail?.code.length).toBeLessThanOrEqual(101);
    expect(detail?.message.length).toBeLessThanOrEqual(501);
  });

  it("no answer -> RecordingServiceError 'could not be reached', with the network code when it is one", () => {
    const error = fromServiceFailure(
      restError(undefined, undefined, { code: "ECONNREFUSED" }),
      "getState",
      "recordingId",
      30_000,
    );
    expect((error as Error).message).toBe(
      "The recording service failed to report the recording's state: it could not be reached (ECONNREFUSED).",
    );
  });

  it("an abort or timeout -> RecordingServiceError saying how long it waited", () => {
    const timeout = new DOMException("The operation timed out.", "TimeoutError");
    expect((fromServiceFailure(timeout, "start", "serverCallId", 30_000) as Error).message).toBe(
      "The recording service failed to start the recording: it did not answer within 30 s.",
    );
    const abort = new DOMException("aborted", "AbortError");
    expect((fromServiceFailure(abort, "pause", "recordingId", 500) as Error).message).toBe(
      "The recording service failed to pause the recording: it did not answer within 500 ms.",
    );
  });

  it("anything else (a bug, not a service failure) is returned unchanged", () => {
    const bug = new TypeError("x is undefined");
    expect(fromServiceFailure(bug, "stop", "recordingId", 30_000)).toBe(bug);
  });
});
