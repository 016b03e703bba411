import {
  ServiceRefusal,
  type SimRecordingChannel,
  type SimRecordingContent,
  type SimRecordingFormat,
  type StartSpec,
} from "./recordingSessions";

const CONTENTS: readonly SimRecordingContent[] = ["audioVideo", "audio"];
const CHANNELS: readonly SimRecordingChannel[] = ["mixed", "unmixed"];
const FORMATS: readonly SimRecordingFormat[] = ["mp4", "mp3", "wav"];

/**
 * Validates a StartCallRecordingRequest body (`callLocator`, `recordingContentType`, `recordingChannelType`,
 * `recordingFormatType`, `recordingStateCallbackUri`, `pauseOnStart`, ...) the way the service does, including the
 * combinations ACS supports: audioVideo is mixed mp4; audio is mixed mp3 or wav, or unmixed wav.
 * Defaults are the service's: audioVideo, mixed, mp4.
 */
export function parseStartRequest(body: Buffer): StartSpec {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString("utf8"));
  } catch {
    throw new ServiceRefusal(400, "InvalidRequest", "The request body is not valid JSON.");
  }
  if (!isObject(parsed)) throw new ServiceRefusal(400, "InvalidRequest", "The request body must be a JSON object.");
  const locator = parsed["callLocator"];
  if (parsed["callConnectionId"] !== undefined && locator === undefined) {
    throw new ServiceRefusal(
      400,
      "InvalidRequest",
      "This simulator knows server calls only; use a serverCallLocator.",
      "callConnectionId",
    );
  }
  if (!isObject(locator)) throw new ServiceRefusal(400, "InvalidRequest", "callLocator is required.", "callLocator");
  if (locator["kind"] !== "serverCallLocator") {
    throw new ServiceRefusal(
      400,
      "InvalidRequest",
      `callLocator.kind "${String(locator["kind"])}" is not supported here; use serverCallLocator.`,
      "callLocator.kind",
    );
  }
  const serverCallId = locator["serverCallId"];
  if (typeof serverCallId !== "string" || serverCallId.length === 0) {
    throw new ServiceRefusal(
      400,
      "InvalidRequest",
      "callLocator.serverCallId is required.",
      "callLocator.serverCallId",
    );
  }
  const content = choice(parsed["recordingContentType"], "recordingContentType", CONTENTS) ?? "audioVideo";
  const channel = choice(parsed["recordingChannelType"], "recordingChannelType", CHANNELS) ?? "mixed";
  const format = choice(parsed["recordingFormatType"], "recordingFormatType", FORMATS) ?? "mp4";
  const supported =
    (content === "audioVideo" && channel === "mixed" && format === "mp4") ||
    (content === "audio" && channel === "mixed" && (format === "mp3" || format === "wav")) ||
    (content === "audio" && channel === "unmixed" && format === "wav");
  if (!supported) {
    throw new ServiceRefusal(
      400,
      "UnsupportedRecordingConfiguration",
      `${content} ${channel} ${format} is not supported: audioVideo is mixed mp4; audio is mixed mp3 or wav, or unmixed wav.`,
      "recordingFormatType",
    );
  }
  const callbackUri = parsed["recordingStateCallbackUri"];
  if (callbackUri !== undefined && (typeof callbackUri !== "string" || !isHttpUrl(callbackUri))) {
    throw new ServiceRefusal(
      400,
      "InvalidRequest",
      "recordingStateCallbackUri must be an absolute http(s) URL.",
      "recordingStateCallbackUri",
    );
  }
  const pauseOnStart = parsed["pauseOnStart"];
  if (pauseOnStart !== undefined && typeof pauseOnStart !== "boolean") {
    throw new ServiceRefusal(400, "InvalidRequest", "pauseOnStart must be a boolean.", "pauseOnStart");
  }
  return {
    serverCallId,
    content,
    channel,
    format,
    ...(typeof callbackUri === "string" ? { recordingStateCallbackUri: callbackUri } : {}),
    pauseOnStart: pauseOnStart === true,
  };
}

function choice<T extends string>(value: unknown, field: string, choices: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  const match = choices.find((item) => item === value);
  if (match === undefined)
    throw new ServiceRefusal(400, "InvalidRequest", `${field} must be one of ${choices.join(", ")}.`, field);
  return match;
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === "https:" || url.protocol === "http:";
  } catch {
    return false;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
