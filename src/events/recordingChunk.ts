import type { AcsRecordingChunkInfo } from "@azure/eventgrid";
import { InvalidEventError } from "../errors";
import { isRecord } from "../shared/untrustedJson";
import { CHUNK_LOCATION_FIELDS, type ChunkLocationField } from "./chunkMessage";
import { chunkLocationProblem, type LocationPolicy } from "./chunkLocations";
import { documentIdProblem } from "./documentId";

/** The most chunks one event may list (a real recording has a handful: one per 4 h or 1.5 GB). */
const MAX_CHUNKS = 1000;

const CHUNKS_FIELD = "data.recordingStorageInfo.recordingChunks";

/** One chunk of a recording event, checked. */
export interface RecordingChunk {
  readonly documentId: string;
  readonly index: number;
  readonly endReason?: string;
  readonly locations: Partial<Record<ChunkLocationField, string>>;
}

/** `data.recordingStorageInfo.recordingChunks`: a non-empty array of at most MAX_CHUNKS entries (unchecked). */
export function chunkList(data: unknown): readonly unknown[] {
  const storageInfo = isRecord(data) ? data["recordingStorageInfo"] : undefined;
  if (!isRecord(storageInfo)) throw new InvalidEventError("data.recordingStorageInfo", "must be an object.");
  const chunks = storageInfo["recordingChunks"];
  if (!Array.isArray(chunks) || chunks.length === 0) throw new InvalidEventError(CHUNKS_FIELD, "must be a non-empty array.");
  if (chunks.length > MAX_CHUNKS) throw new InvalidEventError(CHUNKS_FIELD, `has more than ${MAX_CHUNKS} chunks.`);
  return chunks;
}

/** Checks every chunk, and that no two share a documentId or an index. Throws InvalidEventError naming the field. */
export function readChunks(chunks: readonly unknown[], policy: LocationPolicy): RecordingChunk[] {
  const seen = new Set<string>();
  return chunks.map((chunk, position) => {
    const path = `${CHUNKS_FIELD}[${position}]`;
    const read = readChunk(chunk, path, policy);
    for (const key of [`documentId ${read.documentId}`, `index ${read.index}`]) {
      if (seen.has(key)) throw new InvalidEventError(path, `repeats ${key.split(" ")[0]} of another chunk.`);
      seen.add(key);
    }
    return read;
  });
}

function readChunk(chunk: unknown, path: string, policy: LocationPolicy): RecordingChunk {
  if (!isRecord(chunk)) throw new InvalidEventError(path, "must be an object.");
  const fields = chunk as Record<string, unknown> & Partial<Record<keyof AcsRecordingChunkInfo, unknown>>;
  const documentId = fields.documentId;
  const problem = documentIdProblem(documentId);
  if (problem || typeof documentId !== "string") throw new InvalidEventError(`${path}.documentId`, problem ?? "must be a string.");
  const index = fields.index;
  if (typeof index !== "number" || !Number.isSafeInteger(index) || index < 0) throw new InvalidEventError(`${path}.index`, "must be a non-negative integer.");
  const endReason = fields.endReason;
  if (endReason !== undefined && endReason !== null && typeof endReason !== "string") throw new InvalidEventError(`${path}.endReason`, "must be a string.");
  return { documentId, index, ...(typeof endReason === "string" ? { endReason } : {}), locations: readLocations(fields, path, documentId, policy) };
}

/** The chunk's URLs: each on an allowed download host, and each naming the chunk's own documentId. */
function readLocations(chunk: Record<string, unknown>, path: string, documentId: string, policy: LocationPolicy): RecordingChunk["locations"] {
  const locations: Partial<Record<ChunkLocationField, string>> = {};
  for (const field of CHUNK_LOCATION_FIELDS) {
    const value = chunk[field];
    if (value === undefined || value === null) continue;
    if (typeof value !== "string" || value.length > 2048) throw new InvalidEventError(`${path}.${field}`, "must be a URL string.");
    const rejected = chunkLocationProblem(policy, value, documentId);
    if (rejected) throw new InvalidEventError(`${path}.${field}`, `${rejected.problem}.`);
    locations[field] = value;
  }
  return locations;
}
