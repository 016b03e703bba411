import { describe, expect, it } from "vitest";
import { errorResponse, notConfiguredResponse } from "../../src/http/errorResponse";
import { httpAnswer } from "../support/functionInvoke";
import { notConfiguredError } from "../support/handlerHarness";

const BODY = { code: "CallNotFound", message: "The archive has never seen this call." };

describe("the one error body, in each API's envelope", () => {
  it('"error" wraps the body as { error: body } (the Azure REST convention: the webhook, status and participant APIs)', async () => {
    const answer = await httpAnswer(errorResponse(404, BODY, "error"));
    expect(answer.status).toBe(404);
    expect(answer.json).toEqual({ error: BODY });
    expect(answer.headers.get("content-type")).toContain("application/json");
  });

  it('"bare" answers the body itself (the recording control API), target and details included', async () => {
    const body = { ...BODY, target: "recordingId", details: [{ code: "8522", message: "Recording is not active." }] };
    const answer = await httpAnswer(errorResponse(400, body, "bare"));
    expect(answer.json).toEqual(body);
  });

  it("sends the headers given, as a copy", () => {
    const headers = { "Retry-After": "10" };
    const init = errorResponse(503, BODY, "error", headers);
    expect(init.headers).toEqual(headers);
    expect(init.headers).not.toBe(headers);
    expect(errorResponse(503, BODY, "error").headers).toBeUndefined();
  });

  it("503 ConfigurationError naming the setting (never its value), Retry-After 60, in either envelope", async () => {
    const error = notConfiguredError("ACS_CONNECTION_STRING");
    const wrapped = await httpAnswer(notConfiguredResponse(error, "error"));
    expect(wrapped.status).toBe(503);
    expect(wrapped.headers.get("retry-after")).toBe("60");
    expect(wrapped.json).toEqual({ error: { code: "ConfigurationError", message: error.message } });
    expect(error.message).toContain("setting ACS_CONNECTION_STRING is not set");
    const bare = await httpAnswer(notConfiguredResponse(error, "bare"));
    expect(bare.json).toEqual({ code: "ConfigurationError", message: error.message });
  });
});
