import { describe, expect, it } from "vitest";
import { serverCallIdFromConversationUrl } from "../../src/recordingControl/conversationId";
import { InvalidRecordingRequestError } from "../../src/recordingControl/errors";
import {
  parseControlRequest,
  parseRecordingId,
  parseStartRecordingRequest,
} from "../../src/recordingControl/requestValidation";

/** The field an InvalidRecordingRequestError names, or a failure when something else happened. */
function refusedField(parse: () => unknown): string {
  try {
    parse();
  } catch (error) {
    if (error instanceof InvalidRecordingRequestError) {
      expect(error.name).toBe("InvalidRecordingRequestError");
      expect(error.code).toBe("InvalidRequest");
      expect(error.message.startsWith(error.target)).toBe(true);
      return error.target;
    }
    throw error;
  }
  throw new Error("expected an InvalidRecordingRequestError");
}

describe("start request validation", () => {
  it("accepts a serverCallId with every option and spells the choices as the API does", () => {
    expect(
      parseStartRecordingRequest({
        serverCallId: " aHR0cHM6Ly9leGFtcGxlLmNvbS9jb252 ",
        operationContext: "case-42",
        recordingStateCallbackUri: "https://app.example.com/recording-state",
        content: "Audio",
        channel: "UNMIXED",
        format: "Wav",
      }),
    ).toEqual({
      serverCallId: "aHR0cHM6Ly9leGFtcGxlLmNvbS9jb252",
      callIdField: "serverCallId",
      operationContext: "case-42",
      recordingStateCallbackUri: "https://app.example.com/recording-state",
      content: "audio",
      channel: "unmixed",
      format: "wav",
    });
  });

  it("leaves the options out when they are absent or null, so the service applies its defaults", () => {
    expect(parseStartRecordingRequest({ serverCallId: "abc", content: null })).toEqual({
      serverCallId: "abc",
      callIdField: "serverCallId",
    });
  });

  it("takes conversationId, the 2021 preview API's name, as an alias of serverCallId", () => {
    expect(parseStartRecordingRequest({ conversationId: "conv-1" })).toEqual({
      serverCallId: "conv-1",
      callIdField: "conversationId",
    });
  });

  it("base64url-encodes a conversationUrl into the id (not plain base64)", () => {
    // Chosen so that plain base64 would contain "+", "/" and "=" padding.
    const conversationUrl = "https://api.flightproxy.skype.com/api/v2/cp/conv-euno-01/conversations/>?~~";
    const plain = Buffer.from(conversationUrl).toString("base64");
    expect(plain).toMatch(/[+/=]/);
    const { serverCallId, callIdField } = parseStartRecordingRequest({ conversationUrl: ` ${conversationUrl} ` });
    expect(callIdField).toBe("conversationUrl");
    expect(serverCallId).toBe(serverCallIdFromConversationUrl(conversationUrl));
    expect(serverCallId).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(serverCallId).toBe(plain.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, ""));
    expect(Buffer.from(serverCallId, "base64url").toString("utf8")).toBe(conversationUrl);
  });

  it("requires the call, naming serverCallId", () => {
    expect(refusedField(() => parseStartRecordingRequest({}))).toBe("serverCallId");
    expect(refusedField(() => parseStartRecordingRequest({ serverCallId: null }))).toBe("serverCallId");
  });

  it("refuses naming the call twice, naming the second field", () => {
    expect(refusedField(() => parseStartRecordingRequest({ serverCallId: "a", conversationId: "a" }))).toBe(
      "conversationId",
    );
    expect(
      refusedField(() => parseStartRecordingRequest({ conversationId: "a", conversationUrl: "https://x.example/c" })),
    ).toBe("conversationUrl");
  });

  it.each([
    [{ serverCallId: "" }, "serverCallId"],
    [{ serverCallId: "   " }, "serverCallId"],
    [{ serverCallId: 42 }, "serverCallId"],
    [{ serverCallId: "has space" }, "serverCallId"],
    [{ serverCallId: "x".repeat(4097) }, "serverCallId"],
    [{ conversationId: "line\nbreak" }, "conversationId"],
    [{ conversationUrl: "not a url" }, "conversationUrl"],
    [{ conversationUrl: "ftp://example.com/conv" }, "conversationUrl"],
    [{ conversationUrl: "https://user:pw@example.com/conv" }, "conversationUrl"],
    [{ serverCallId: "a", recordingStateCallbackUri: "/relative" }, "recordingStateCallbackUri"],
    [{ serverCallId: "a", recordingStateCallbackUri: "javascript:alert(1)" }, "recordingStateCallbackUri"],
    [{ serverCallId: "a", operationContext: 7 }, "operationContext"],
    [{ serverCallId: "a", operationContext: "x".repeat(1025) }, "operationContext"],
    [{ serverCallId: "a", content: "video" }, "content"],
    [{ serverCallId: "a", content: 1 }, "content"],
    [{ serverCallId: "a", channel: "stereo" }, "channel"],
    [{ serverCallId: "a", format: "ogg" }, "format"],
    [{ serverCallId: "a", recordingFormatType: "mp4" }, "recordingFormatType"],
  ])("refuses %j, naming %s", (body, field) => {
    expect(refusedField(() => parseStartRecordingRequest(body))).toBe(field);
  });

  it.each([[null], [[]], ["serverCallId"], [undefined]])(
    "refuses a body that is not an object (%j), naming body",
    (body) => {
      expect(refusedField(() => parseStartRecordingRequest(body))).toBe("body");
    },
  );

  it("lists the allowed values in the message", () => {
    expect(() => parseStartRecordingRequest({ serverCallId: "a", format: "ogg" })).toThrow(
      'format must be one of "mp4", "mp3", "wav".',
    );
  });
});

describe("recording id and control body validation", () => {
  it("accepts and trims a recording id", () => {
    expect(parseRecordingId(" eyJQbGF0Zm9ybUVuZHBvaW50SWQiOiIxIn0= ")).toBe("eyJQbGF0Zm9ybUVuZHBvaW50SWQiOiIxIn0=");
  });

  it.each([[undefined], [""], ["a b"], ["x".repeat(1025)], [5]])(
    "refuses recording id %j, naming recordingId",
    (value) => {
      expect(refusedField(() => parseRecordingId(value))).toBe("recordingId");
    },
  );

  it("accepts no body, an empty object, or an operationContext", () => {
    expect(parseControlRequest(undefined)).toEqual({});
    expect(parseControlRequest({})).toEqual({});
    expect(parseControlRequest({ operationContext: "ctx" })).toEqual({ operationContext: "ctx" });
  });

  it("refuses other control bodies, naming the field", () => {
    expect(refusedField(() => parseControlRequest({ reason: "x" }))).toBe("reason");
    expect(refusedField(() => parseControlRequest({ operationContext: false }))).toBe("operationContext");
    expect(refusedField(() => parseControlRequest("pause"))).toBe("body");
  });
});
