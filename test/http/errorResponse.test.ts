import { describe, expect, it } from "vitest";
import { StorageUnavailableError } from "../../src/errors";
import { errorAnswer, toErrorResponse } from "../../src/http/errorResponse";
import { httpAnswer } from "../support/functionInvoke";
import { notConfiguredError } from "../support/handlerHarness";

const BODY = { code: "CallNotFound", message: "The archive has never seen this call." } as const;

describe("the one error map: a code's status, each API's envelope", () => {
  it("the archive APIs and the webhook wrap the body as { error: body } (the Azure REST convention), status from the code", async () => {
    const answer = await httpAnswer(errorAnswer("archiveStatus", BODY));
    expect(answer.status).toBe(404);
    expect(answer.json).toEqual({ error: BODY });
    expect(answer.headers.get("content-type")).toContain("application/json");
  });

  it("the recording control API answers the body itself, target and details included", async () => {
    const body = {
      code: "RequestRejected",
      message: "Recording is not active.",
      target: "recordingId",
      details: [{ code: "8522", message: "Recording is not active." }],
    } as const;
    const answer = await httpAnswer(errorAnswer("recordingControl", body));
    expect(answer.status).toBe(400);
    expect(answer.json).toEqual(body);
  });

  it("sends the headers given, as a copy, and none when there are none", () => {
    const headers = { Allow: "POST" };
    const init = errorAnswer("recordingEvents", { code: "MethodNotAllowed", message: "Only POST." }, headers);
    expect(init.headers).toEqual(headers);
    expect(init.headers).not.toBe(headers);
    expect(errorAnswer("archiveStatus", BODY).headers).toBeUndefined();
  });

  it("503 ConfigurationError naming the setting (never its value), Retry-After 60, in either envelope", async () => {
    const error = notConfiguredError("ACS_CONNECTION_STRING");
    const wrapped = await httpAnswer(toErrorResponse(error, "archiveStatus"));
    expect(wrapped.status).toBe(503);
    expect(wrapped.headers.get("retry-after")).toBe("60");
    expect(wrapped.json).toEqual({ error: { code: "ConfigurationError", message: error.message } });
    expect(error.message).toContain("setting ACS_CONNECTION_STRING is not set");
    const bare = await httpAnswer(toErrorResponse(error, "recordingControl"));
    expect(bare.json).toEqual({ code: "ConfigurationError", message: error.message });
  });

  it("StorageUnavailable gets the API's own words and Retry-After 10; anything unforeseen never shows its message", async () => {
    const storage = await httpAnswer(
      toErrorResponse(new StorageUnavailableError("socket hang up at 10.0.0.4"), "recordingEvents"),
    );
    expect(storage.status).toBe(503);
    expect(storage.headers.get("retry-after")).toBe("10");
    expect(storage.json).toEqual({
      error: { code: "StorageUnavailable", message: "Storage is unavailable; retry later." },
    });
    const unforeseen = await httpAnswer(toErrorResponse(new Error("secret detail"), "recordingControl"));
    expect(unforeseen.status).toBe(500);
    expect(JSON.stringify(unforeseen.json)).not.toContain("secret detail");
    const statusRead = await httpAnswer(toErrorResponse(new Error("secret detail"), "archiveStatus"));
    expect(statusRead.status).toBe(503);
    expect(statusRead.json).toEqual({
      error: { code: "StorageUnavailable", message: "The archive could not be read; retry later." },
    });
  });
});
