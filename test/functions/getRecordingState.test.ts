import { describe, expect, it } from "vitest";
import { getRecordingState } from "../../src/functions/getRecordingState";
import { RecordingNotFoundError, RecordingServiceError } from "../../src/recordingControl/errors";
import type { RecordingControls } from "../../src/recordingControl/recordingControls";
import { callHttp, functionRequest, notConfigured } from "../support/handlerHarness";
import { controlsOf } from "../support/recordingControlFakes";

const STATE = { recordingId: "rec-1", recordingState: "inactive" };

const stateOf = (recordingId: string, query?: Record<string, string>) =>
  functionRequest({
    path: `recordings/${encodeURIComponent(recordingId)}`,
    params: { recordingId },
    ...(query ? { query } : {}),
  });
const answering = (outcome: unknown) =>
  controlsOf(() => (outcome instanceof Error ? Promise.reject(outcome) : Promise.resolve(outcome)));

describe("getRecordingState: GET /api/recordings/{recordingId}", () => {
  it("200 with the service's state of the route's recording", async () => {
    const { lazy, calls } = answering(STATE);
    const answer = await callHttp(getRecordingState(lazy), stateOf("rec-1"));
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual(STATE);
    expect(calls).toEqual([{ resource: "ACS_CONNECTION_STRING", operation: "getState", argument: "rec-1" }]);
  });

  it("404 NotFound, bare, target recordingId, for a recording the service does not know", async () => {
    const answer = await callHttp(
      getRecordingState(
        answering(new RecordingNotFoundError({ operation: "getState", status: 404 }, "recordingId")).lazy,
      ),
      stateOf("rec-9"),
    );
    expect(answer.status).toBe(404);
    expect(answer.json).toEqual({
      code: "NotFound",
      message: "The recording service knows no such recording (or it has been stopped).",
      target: "recordingId",
    });
  });

  it("502 UpstreamFailure when the service did not answer in time", async () => {
    const answer = await callHttp(
      getRecordingState(
        answering(new RecordingServiceError({ operation: "getState" }, "it did not answer within 30 s.")).lazy,
      ),
      stateOf("rec-1"),
    );
    expect(answer.status).toBe(502);
    expect(answer.json).toEqual({
      code: "UpstreamFailure",
      message: "The recording service failed to report the recording's state: it did not answer within 30 s.",
    });
  });

  it("400 naming acsResource for a resource the app does not serve", async () => {
    const answer = await callHttp(
      getRecordingState(controlsOf(() => Promise.resolve(STATE), "two").lazy),
      stateOf("rec-1", { acsResource: "nobody" }),
    );
    expect(answer.status).toBe(400);
    expect(answer.json).toMatchObject({ code: "InvalidRequest", target: "acsResource" });
  });

  it("503 ConfigurationError, bare, while a setting is bad", async () => {
    const answer = await callHttp(getRecordingState(notConfigured<RecordingControls>()), stateOf("rec-1"));
    expect(answer.status).toBe(503);
    expect(answer.json).toMatchObject({ code: "ConfigurationError" });
  });
});
