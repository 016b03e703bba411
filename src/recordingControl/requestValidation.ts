import { isRecord } from "../shared/untrustedJson";
import { serverCallIdFromConversationUrl } from "./conversationId";
import { InvalidRecordingRequestError } from "./errors";

type RecordingContent = "audioVideo" | "audio";
type RecordingChannel = "mixed" | "unmixed";
type RecordingFormat = "mp4" | "mp3" | "wav";

/** The request fields that may name the call: today's name, the 2021 preview API's name, and the client's URL. */
type CallIdField = "serverCallId" | "conversationId" | "conversationUrl";

/** A validated start request. Combinations (e.g. unmixed mp4) are the service's to judge. */
export interface StartRecordingRequest {
  readonly serverCallId: string;
  /** Which field named the call; error targets use it. */
  readonly callIdField: CallIdField;
  /** Correlation context; today's service has no field for it on start, so it is logged and echoed only. */
  readonly operationContext?: string;
  readonly recordingStateCallbackUri?: string;
  readonly content?: RecordingContent;
  readonly channel?: RecordingChannel;
  readonly format?: RecordingFormat;
}

/** A validated body of pause, resume or stop (all optional; the 2021 preview API allowed an operationContext). */
export interface ControlRequest {
  readonly operationContext?: string;
}

/** The query parameter that names the ACS resource of a control request (needed when the app serves several). */
export const ACS_RESOURCE_PARAMETER = "acsResource";

const MAX_CALL_ID_LENGTH = 4096;
const MAX_URL_LENGTH = 2048;
const MAX_RECORDING_ID_LENGTH = 1024;
const MAX_OPERATION_CONTEXT_LENGTH = 1024;
/** Printable ASCII without spaces: what ACS ids (base64 and base64url) are made of. */
const ID_CHARACTERS = /^[\x21-\x7e]+$/;

const CALL_ID_FIELDS: readonly CallIdField[] = ["serverCallId", "conversationId", "conversationUrl"];
const START_FIELDS = new Set<string>([
  ...CALL_ID_FIELDS,
  "operationContext",
  "recordingStateCallbackUri",
  "content",
  "channel",
  "format",
]);
const CONTROL_FIELDS = new Set<string>(["operationContext"]);

const CONTENTS: readonly RecordingContent[] = ["audioVideo", "audio"];
const CHANNELS: readonly RecordingChannel[] = ["mixed", "unmixed"];
const FORMATS: readonly RecordingFormat[] = ["mp4", "mp3", "wav"];

/**
 * Validates a start request body. Exactly one of `serverCallId`, `conversationId` (its alias) or `conversationUrl`
 * (base64url-encoded into the id) names the call. Unknown fields are refused so that a typo cannot silently fall
 * back to a default. Throws InvalidRecordingRequestError naming the first offending field.
 */
export function parseStartRecordingRequest(body: unknown): StartRecordingRequest {
  const fields = requireObject(body, START_FIELDS);
  const given = CALL_ID_FIELDS.filter((field) => fields[field] !== undefined && fields[field] !== null);
  const [callIdField, extra] = given;
  if (callIdField === undefined) {
    throw new InvalidRecordingRequestError(
      "serverCallId",
      "is required (or conversationId, its name in the 2021 preview API, or conversationUrl).",
    );
  }
  if (extra !== undefined) {
    throw new InvalidRecordingRequestError(
      extra,
      `must not be given together with ${callIdField}; name the call once.`,
    );
  }
  const serverCallId =
    callIdField === "conversationUrl"
      ? serverCallIdFromConversationUrl(requireHttpUrl(fields[callIdField], callIdField))
      : requireId(fields[callIdField], callIdField, MAX_CALL_ID_LENGTH);

  const operationContext = optionalText(fields["operationContext"], "operationContext", MAX_OPERATION_CONTEXT_LENGTH);
  const callbackUri = fields["recordingStateCallbackUri"];
  const recordingStateCallbackUri =
    callbackUri === undefined || callbackUri === null
      ? undefined
      : requireHttpUrl(callbackUri, "recordingStateCallbackUri");
  const content = optionalChoice(fields["content"], "content", CONTENTS);
  const channel = optionalChoice(fields["channel"], "channel", CHANNELS);
  const format = optionalChoice(fields["format"], "format", FORMATS);
  return {
    serverCallId,
    callIdField,
    ...(operationContext !== undefined ? { operationContext } : {}),
    ...(recordingStateCallbackUri !== undefined ? { recordingStateCallbackUri } : {}),
    ...(content ? { content } : {}),
    ...(channel ? { channel } : {}),
    ...(format ? { format } : {}),
  };
}

/** Validates the optional body of pause, resume and stop: nothing, or `{ "operationContext"?: string }`. */
export function parseControlRequest(body: unknown): ControlRequest {
  if (body === undefined) return {};
  const fields = requireObject(body, CONTROL_FIELDS);
  const operationContext = optionalText(fields["operationContext"], "operationContext", MAX_OPERATION_CONTEXT_LENGTH);
  return operationContext !== undefined ? { operationContext } : {};
}

/**
 * Characters that would change which URL the id lands in when it is put into the service's path
 * (`/calling/recordings/{recordingId}`): path separators, query and fragment starts, and `%` (an
 * encoded `/`, `.` or `?` such as `%2F`). ACS recording ids are base64: none of these appear in them.
 */
const PATH_STEERING = /[/\\?#%]/;

/** Validates a recording id (from the route): an id, never a path (`.`, `..`, `/`, `\`, `?`, `#`, `%`). */
export function parseRecordingId(value: unknown): string {
  const id = requireId(value, "recordingId", MAX_RECORDING_ID_LENGTH);
  if (/^\.+$/.test(id)) throw new InvalidRecordingRequestError("recordingId", "must not be a dot segment (. or ..).");
  const steering = PATH_STEERING.exec(id)?.[0];
  if (steering !== undefined)
    throw new InvalidRecordingRequestError(
      "recordingId",
      `must not contain ${JSON.stringify(steering)} (recording ids are base64; a path, query or escape is refused).`,
    );
  return id;
}

function requireObject(body: unknown, known: ReadonlySet<string>): Record<string, unknown> {
  if (!isRecord(body)) throw new InvalidRecordingRequestError("body", "must be a JSON object.");
  for (const field of Object.keys(body)) {
    if (!known.has(field))
      throw new InvalidRecordingRequestError(field, `is not a known field (known: ${[...known].join(", ")}).`);
  }
  return body;
}

function requireId(value: unknown, field: string, maxLength: number): string {
  if (typeof value !== "string") throw new InvalidRecordingRequestError(field, "must be a string.");
  const id = value.trim();
  if (id.length === 0) throw new InvalidRecordingRequestError(field, "must not be empty.");
  if (id.length > maxLength)
    throw new InvalidRecordingRequestError(field, `must be at most ${maxLength} characters long.`);
  if (!ID_CHARACTERS.test(id))
    throw new InvalidRecordingRequestError(field, "must contain printable ASCII characters only, without spaces.");
  return id;
}

function requireHttpUrl(value: unknown, field: string): string {
  if (typeof value !== "string" || value.trim().length === 0)
    throw new InvalidRecordingRequestError(field, "must be a non-empty string.");
  const text = value.trim();
  if (text.length > MAX_URL_LENGTH)
    throw new InvalidRecordingRequestError(field, `must be at most ${MAX_URL_LENGTH} characters long.`);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new InvalidRecordingRequestError(field, "must be an absolute URL.");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:")
    throw new InvalidRecordingRequestError(field, "must be an http(s) URL.");
  if (url.username || url.password) throw new InvalidRecordingRequestError(field, "must not carry user information.");
  return text;
}

function optionalText(value: unknown, field: string, maxLength: number): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw new InvalidRecordingRequestError(field, "must be a string.");
  if (value.length > maxLength)
    throw new InvalidRecordingRequestError(field, `must be at most ${maxLength} characters long.`);
  return value;
}

/** One of `choices`, matched case-insensitively (events spell them "AudioVideo", "Mixed", "Mp4") and returned as the API spells them. */
function optionalChoice<T extends string>(value: unknown, field: string, choices: readonly T[]): T | undefined {
  if (value === undefined || value === null) return undefined;
  const match =
    typeof value === "string"
      ? choices.find((choice) => choice.toLowerCase() === value.trim().toLowerCase())
      : undefined;
  if (match === undefined) {
    throw new InvalidRecordingRequestError(
      field,
      `must be one of ${choices.map((choice) => `"${choice}"`).join(", ")}.`,
    );
  }
  return match;
}
