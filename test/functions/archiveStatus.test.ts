import { describe, expect, it } from "vitest";
import type { CallStatus, CallStatusReader } from "../../src/catalog/callStatus";
import { archiveStatus } from "../../src/functions/archiveStatus";
import { callHttp, fakeService, functionRequest, loggedText, notConfigured } from "../support/handlerHarness";

const STATUS: CallStatus = { call: "call-1", checkedAt: "2026-12-02T10:00:00.000Z", recordings: [], truncated: false };

function statusRequest(callId: string | undefined) {
  return functionRequest({
    path: `archive/calls/${encodeURIComponent(callId ?? "")}`,
    params: callId === undefined ? {} : { callId },
  });
}

function readerOf(read: (call: string) => Promise<CallStatus | undefined>, asked: string[] = []) {
  return () =>
    fakeService<CallStatusReader>({
      read: (call) => {
        asked.push(call);
        return read(call);
      },
    });
}

describe("archiveStatus: GET /api/archive/calls/{callId}", () => {
  it("200 with what the reader found, for the call the route names", async () => {
    const asked: string[] = [];
    const answer = await callHttp(
      archiveStatus(readerOf(() => Promise.resolve(STATUS), asked)),
      statusRequest("call-1"),
    );
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual(STATUS);
    expect(asked).toEqual(["call-1"]);
  });

  it.each([
    ["missing", undefined],
    ["blank", "   "],
    ["over 1024 characters", "c".repeat(1025)],
  ])("400 InvalidCallId for a %s callId, before reading anything", async (_case, callId) => {
    const asked: string[] = [];
    const answer = await callHttp(archiveStatus(readerOf(() => Promise.resolve(STATUS), asked)), statusRequest(callId));
    expect(answer.status).toBe(400);
    expect(answer.json).toEqual({
      error: { code: "InvalidCallId", message: "callId must be 1 to 1024 characters.", target: "callId" },
    });
    expect(asked).toEqual([]);
  });

  it("accepts a callId of exactly 1024 characters", async () => {
    const answer = await callHttp(
      archiveStatus(readerOf(() => Promise.resolve(STATUS))),
      statusRequest("c".repeat(1024)),
    );
    expect(answer.status).toBe(200);
  });

  it("404 CallNotFound when the archive has never seen the call", async () => {
    const answer = await callHttp(
      archiveStatus(readerOf(() => Promise.resolve(undefined))),
      statusRequest("call-unknown"),
    );
    expect(answer.status).toBe(404);
    expect(answer.json).toEqual({
      error: {
        code: "CallNotFound",
        message: "The archive has never seen this call (no recording, chunk or outcome).",
      },
    });
  });

  it("503 ConfigurationError naming the setting, with Retry-After 60, while a setting is bad", async () => {
    const answer = await callHttp(
      archiveStatus(notConfigured<CallStatusReader>("RECORDINGS_CONTAINER")),
      statusRequest("call-1"),
    );
    expect(answer.status).toBe(503);
    expect(answer.headers.get("retry-after")).toBe("60");
    expect(answer.json).toEqual({
      error: {
        code: "ConfigurationError",
        message: expect.stringContaining("setting RECORDINGS_CONTAINER is not set") as string,
      },
    });
  });

  it("503 StorageUnavailable with Retry-After 10 when the archive cannot be read; the cause is logged, not answered", async () => {
    const failure = new Error("connect ECONNREFUSED 127.0.0.1:10000");
    const answer = await callHttp(archiveStatus(readerOf(() => Promise.reject(failure))), statusRequest("call-1"));
    expect(answer.status).toBe(503);
    expect(answer.headers.get("retry-after")).toBe("10");
    expect(answer.json).toEqual({
      error: { code: "StorageUnavailable", message: "The archive could not be read; retry later." },
    });
    expect(answer.text).not.toContain("ECONNREFUSED");
    expect(answer.logs.filter((line) => line.level === "error")).toHaveLength(1);
    expect(loggedText(answer.logs)).toContain("ECONNREFUSED");
  });
});
