import { describe, expect, it } from "vitest";
import { parseRecordingSubject } from "../../src/events/recordingSubject";

// serverCallIds are base64 of a URL; standard base64 may contain "/" and "+", and ends with "=" padding.
const SERVER_CALL_ID_WITH_SLASHES = "aHR0cHM6Ly9hcGkuZmxpZ2h0cHJveHkuc2t5cGUuY29t/L2FwaS92Mi9jcC9jb252+LXVzd2UtMDI=";

describe("parseRecordingSubject: the known shapes", () => {
  it.each([
    [
      "/recording/call/{callId}",
      "/recording/call/43563209-4ec6-4119-be5b-88398cda2caf",
      { callId: "43563209-4ec6-4119-be5b-88398cda2caf" },
    ],
    [
      "/recording/call/{callId}/recordingId/{recordingId}",
      "/recording/call/43563209-4ec6-4119-be5b-88398cda2caf/recordingId/eyJQbGF0Zm9ybUVuZHBvaW50SWQiOiJ4In0",
      { callId: "43563209-4ec6-4119-be5b-88398cda2caf", recordingId: "eyJQbGF0Zm9ybUVuZHBvaW50SWQiOiJ4In0" },
    ],
    [
      "/recording/call/{callId}/serverCallId/{serverCallId}/recordingId/{recordingId}",
      "/recording/call/c1/serverCallId/aHR0cHM6Ly9leGFtcGxl/recordingId/r1",
      { callId: "c1", serverCallId: "aHR0cHM6Ly9leGFtcGxl", recordingId: "r1" },
    ],
    [
      "/recording/call/{callId}/serverCallId/{serverCallId} (BYOS docs, no recordingId)",
      "/recording/call/c1/serverCallId/aHR0cHM6Ly9leGFtcGxl",
      { callId: "c1", serverCallId: "aHR0cHM6Ly9leGFtcGxl" },
    ],
    [
      "the docs' placeholders",
      "/recording/call/{call-id}/serverCallId/{server-call-id}/recordingId/{recording-id}",
      { callId: "{call-id}", serverCallId: "{server-call-id}", recordingId: "{recording-id}" },
    ],
  ])("%s", (_shape, subject, expected) => {
    expect(parseRecordingSubject(subject)).toEqual(expected);
  });
});

describe("parseRecordingSubject: serverCallId containing '/'", () => {
  it("keeps the whole serverCallId up to /recordingId/", () => {
    expect(
      parseRecordingSubject(`/recording/call/c1/serverCallId/${SERVER_CALL_ID_WITH_SLASHES}/recordingId/r1`),
    ).toEqual({
      callId: "c1",
      serverCallId: SERVER_CALL_ID_WITH_SLASHES,
      recordingId: "r1",
    });
  });

  it("keeps the whole serverCallId when no recordingId follows", () => {
    expect(parseRecordingSubject(`/recording/call/c1/serverCallId/${SERVER_CALL_ID_WITH_SLASHES}`)).toEqual({
      callId: "c1",
      serverCallId: SERVER_CALL_ID_WITH_SLASHES,
    });
  });

  it("keeps '+' and '=' (base64) as they are", () => {
    expect(parseRecordingSubject("/recording/call/c1/serverCallId/a+b==/recordingId/r1").serverCallId).toBe("a+b==");
  });
});

describe("parseRecordingSubject: tolerant of formatting", () => {
  it.each([
    [
      "upper case keywords",
      "/Recording/Call/c1/ServerCallId/s1/RecordingId/r1",
      { callId: "c1", serverCallId: "s1", recordingId: "r1" },
    ],
    ["no leading slash", "recording/call/c1", { callId: "c1" }],
    ["a trailing slash", "/recording/call/c1/recordingId/r1/", { callId: "c1", recordingId: "r1" }],
    ["surrounding whitespace", "  /recording/call/c1  ", { callId: "c1" }],
    ["percent-encoding", "/recording/call/a%20b/recordingId/r%2F1", { callId: "a b", recordingId: "r/1" }],
    ["a broken percent-escape", "/recording/call/a%zz", { callId: "a%zz" }],
  ])("%s", (_name, subject, expected) => {
    expect(parseRecordingSubject(subject)).toEqual(expected);
  });
});

describe("parseRecordingSubject: garbage yields no ids and never throws", () => {
  it.each([
    ["undefined", undefined],
    ["null", null],
    ["a number", 42],
    ["an object", { callId: "c1" }],
    ["an array", ["/recording/call/c1"]],
    ["empty", ""],
    ["a word", "garbage"],
    ["another event's subject", "call/aHR0cHM6Ly9leGFtcGxl/startedBy/8:acs:1bdaa2b9"],
    ["no call id", "/recording/call/"],
    ["empty call id", "/recording/call//recordingId/r1"],
    ["other prefix", "/recordings/call/c1"],
    ["an URL", "https://evil.example/recording/call/c1"],
  ])("%s", (_name, subject) => {
    expect(parseRecordingSubject(subject)).toEqual({});
  });

  it("never throws and only returns string ids, for random input", () => {
    const alphabet = "/recordingcalserverIdRI%+=-_ {}\\\u0000é";
    let seed = 12345;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let run = 0; run < 2000; run += 1) {
      const length = Math.floor(random() * 60);
      let text = run % 3 === 0 ? "/recording/call/" : "";
      for (let i = 0; i < length; i += 1) text += alphabet[Math.floor(random() * alphabet.length)];
      const parsed = parseRecordingSubject(text);
      for (const value of Object.values(parsed)) {
        expect(typeof value).toBe("string");
        expect(value).not.toBe("");
      }
    }
  });
});
