import { parseByosLocation } from "../byos/byosLocation";
import { downloadUrlProblem, type DownloadHostPolicy } from "../config/downloadHosts";
import { DownloadUrlRejectedError, InvalidChunkMessageError } from "../errors";
import { isRecord, parseIsoDateTime, type JsonRecord } from "../shared/records";
import { chunkKey, type ChunkMessage } from "./chunkMessage";
import { documentIdProblem } from "./documentId";

const OPTIONAL_TEXT = ["endReason", "callId", "serverCallId", "recordingId", "recordingStartTime", "sessionEndReason", "contentType", "channelType", "formatType", "storageType"] as const;
const LOCATIONS = ["contentLocation", "metadataLocation", "deleteLocation"] as const;

/**
 * Reads a chunk message as the queue trigger hands it over (already JSON-parsed, or text: JSON or
 * base64 JSON) and checks it again: the message is input too. Every URL must pass the same download
 * host allowlist as at intake, so a tampered message never makes us sign a request to another host.
 */
export function parseChunkMessage(input: unknown, hosts: DownloadHostPolicy): ChunkMessage {
  const value = decode(input);
  if (!isRecord(value)) throw new InvalidChunkMessageError("message", "is not a JSON object.");
  if (value["version"] !== 1) throw new InvalidChunkMessageError("version", "must be 1.");
  const problem = documentIdProblem(value["documentId"]);
  if (problem) throw new InvalidChunkMessageError("documentId", problem);
  const documentId = value["documentId"] as string;
  const index = integer(value, "index", 0);
  const chunkCount = integer(value, "chunkCount", 1);
  const resource = typeof value["resource"] === "string" ? value["resource"] : "";
  const eventId = value["eventId"];
  if (typeof eventId !== "string" || eventId === "") throw new InvalidChunkMessageError("eventId", "must be a non-empty string.");
  const message: Record<string, unknown> = {
    version: 1,
    chunkKey: chunkKey(resource, documentId, index),
    resource,
    documentId,
    index,
    chunkCount,
    eventId,
    eventTime: date(value, "eventTime"),
    deadline: date(value, "deadline"),
  };
  for (const field of OPTIONAL_TEXT) {
    const text = value[field];
    if (text === undefined || text === null) continue;
    if (typeof text !== "string") throw new InvalidChunkMessageError(field, "must be a string.");
    message[field] = field === "recordingStartTime" ? date(value, field) : text;
  }
  for (const field of LOCATIONS) {
    const url = value[field];
    if (url === undefined || url === null) continue;
    if (typeof url !== "string") throw new InvalidChunkMessageError(field, "must be a URL string.");
    const rejected = downloadUrlProblem(hosts, url);
    if (rejected) throw new DownloadUrlRejectedError(field, rejected);
    message[field] = url;
  }
  const byos = parseByosLocation(value["byos"]);
  if (byos) message["byos"] = byos;
  const redelivery = value["redelivery"];
  if (redelivery !== undefined) message["redelivery"] = integer(value, "redelivery", 0);
  const duration = value["recordingDurationMs"];
  if (typeof duration === "number" && Number.isFinite(duration) && duration >= 0) message["recordingDurationMs"] = duration;
  return message as unknown as ChunkMessage;
}

function decode(input: unknown): unknown {
  if (Buffer.isBuffer(input)) return decode(input.toString("utf8"));
  if (typeof input !== "string") return input;
  const text = input.trim();
  try {
    return JSON.parse(text);
  } catch {
    try {
      return JSON.parse(Buffer.from(text, "base64").toString("utf8"));
    } catch {
      throw new InvalidChunkMessageError("message", "is neither JSON nor base64-encoded JSON.");
    }
  }
}

function integer(value: JsonRecord, field: string, min: number): number {
  const number = value[field];
  if (typeof number !== "number" || !Number.isSafeInteger(number) || number < min) {
    throw new InvalidChunkMessageError(field, `must be an integer >= ${min}.`);
  }
  return number;
}

function date(value: JsonRecord, field: string): string {
  const parsed = parseIsoDateTime(value[field]);
  if (!parsed) throw new InvalidChunkMessageError(field, "must be an ISO 8601 date-time.");
  return parsed.toISOString();
}
