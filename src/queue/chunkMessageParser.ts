import { byosLocationProblem, parseByosLocation } from "./byosLocation";
import type { ByosContainer } from "../config/byosContainers";
import type { DownloadHostPolicy } from "../config/downloadHosts";
import { DownloadUrlRejectedError, InvalidChunkMessageError } from "../errors";
import { isRecord, type JsonRecord } from "../shared/untrustedJson";
import { parseIsoDateTime } from "../shared/isoDateTime";
import { anomalyList } from "./chunkAnomalies";
import { CHUNK_LOCATION_FIELDS, CHUNK_TEXT_FIELDS, chunkKey, type ChunkMessage } from "./chunkMessage";
import { chunkLocationProblem } from "./chunkLocations";
import { documentIdProblem } from "./documentId";

/**
 * Reads a chunk message as the queue trigger hands it over (already JSON-parsed, or text: JSON or
 * base64 JSON) and checks it again: the message is input too. Every URL must pass the same rules as
 * at intake (download host allowlist, naming the chunk's own documentId), so a tampered message never
 * makes us sign a request to another host, download another document under this chunk's name, or
 * delete another recording. A bring-your-own-storage location must be in one of `byosContainers`, in ACS's layout,
 * naming the chunk's own documentId (byosLocation.ts); none is accepted when no container is given. The fields are
 * ChunkMessage's own lists (chunkMessage.ts). As at intake, only what makes the archive unsafe or impossible is
 * refused: an unusable deleteLocation or descriptive field is left out and noted in `anomalies`.
 */
export function parseChunkMessage(
  input: unknown,
  hosts: DownloadHostPolicy,
  byosContainers: readonly ByosContainer[] = [],
): ChunkMessage {
  const value = decode(input);
  if (!isRecord(value)) throw new InvalidChunkMessageError("message", "is not a JSON object.");
  if (value["version"] !== 1) throw new InvalidChunkMessageError("version", "must be 1.");
  const documentId = value["documentId"];
  const problem = documentIdProblem(documentId);
  if (problem || typeof documentId !== "string")
    throw new InvalidChunkMessageError("documentId", problem ?? "must be a string.");
  const index = integer(value, "index", 0);
  const resource = typeof value["resource"] === "string" ? value["resource"] : "";
  const eventId = value["eventId"];
  if (typeof eventId !== "string" || eventId === "")
    throw new InvalidChunkMessageError("eventId", "must be a non-empty string.");
  const message: Record<string, unknown> = {
    version: 1,
    chunkKey: chunkKey(resource, documentId, index),
    resource,
    documentId,
    index,
    chunkCount: integer(value, "chunkCount", 1),
    eventId,
    eventTime: date(value, "eventTime"),
    deadline: date(value, "deadline"),
  };
  const anomalies: unknown[] = Array.isArray(value["anomalies"]) ? [...(value["anomalies"] as unknown[])] : [];
  const start = value["recordingStartTime"];
  if (start !== undefined && start !== null) {
    const parsed = parseIsoDateTime(start);
    if (parsed) message["recordingStartTime"] = parsed.toISOString();
    else anomalies.push("recordingStartTimeUnreadable");
  }
  for (const field of CHUNK_TEXT_FIELDS) {
    const text = value[field];
    if (text === undefined || text === null) continue;
    if (typeof text === "string") message[field] = text;
    else anomalies.push(field === "endReason" ? "endReasonUnreadable" : "recordingFieldUnreadable");
  }
  for (const field of CHUNK_LOCATION_FIELDS) {
    const url = value[field];
    if (url === undefined || url === null) continue;
    const rejected =
      typeof url === "string"
        ? chunkLocationProblem({ downloadHosts: hosts }, url, documentId)
        : { kind: "host" as const, problem: "must be a URL string" };
    // A delete URL that intake would have left out (a message queued before intake checked this, or edited since) is
    // dropped, not obeyed: the chunk is still archived, and its ACS copy is left to expire.
    if (rejected && field === "deleteLocation") {
      anomalies.push(rejected.kind === "document" ? "deleteLocationNamesOtherDocument" : "deleteLocationNotAllowed");
      continue;
    }
    if (rejected) throw new DownloadUrlRejectedError(field, rejected.problem);
    message[field] = url;
  }
  const byos = parseByosLocation(value["byos"]);
  if (byos) {
    // No request with the app's credential goes to a blob the message could not have named at intake.
    const rejected = byosLocationProblem(byos, byosContainers, documentId);
    if (rejected) throw new DownloadUrlRejectedError(rejected.field, rejected.problem);
    message["byos"] = byos;
  }
  const redelivery = value["redelivery"];
  if (typeof redelivery === "number" && Number.isSafeInteger(redelivery) && redelivery >= 0)
    message["redelivery"] = redelivery;
  const duration = value["recordingDurationMs"];
  if (typeof duration === "number" && Number.isFinite(duration) && duration >= 0)
    message["recordingDurationMs"] = duration;
  const known = anomalyList(anomalies);
  if (known.length > 0) message["anomalies"] = known;
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
