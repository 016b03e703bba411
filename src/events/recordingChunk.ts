import type { AcsRecordingChunkInfo } from "@azure/eventgrid";
import { InvalidEventError } from "../errors";
import { isRecord } from "../shared/untrustedJson";
import { CHUNK_LOCATION_FIELDS, type ChunkLocationField } from "../queue/chunkMessage";
import { chunkLocationProblem, type LocationPolicy } from "../queue/chunkLocations";
import { anomalyList, type ChunkAnomaly } from "../queue/chunkAnomalies";
import { documentIdProblem } from "../queue/documentId";

/** The most chunks one event may list (a real recording has a handful: one per 4 h or 1.5 GB). */
const MAX_CHUNKS = 1000;

const CHUNKS_FIELD = "data.recordingStorageInfo.recordingChunks";

/** One chunk of a recording event, checked. */
export interface RecordingChunk {
  readonly documentId: string;
  readonly index: number;
  readonly endReason?: string;
  readonly locations: Partial<Record<ChunkLocationField, string>>;
  /** What was odd about the chunk and did not stop it (chunkAnomalies.ts); empty for most. */
  readonly anomalies: readonly ChunkAnomaly[];
}

/** `data.recordingStorageInfo.recordingChunks`: a non-empty array of at most MAX_CHUNKS entries (unchecked). */
export function chunkList(data: unknown): readonly unknown[] {
  const storageInfo = isRecord(data) ? data["recordingStorageInfo"] : undefined;
  if (!isRecord(storageInfo)) throw new InvalidEventError("data.recordingStorageInfo", "must be an object.");
  const chunks = storageInfo["recordingChunks"];
  if (!Array.isArray(chunks) || chunks.length === 0)
    throw new InvalidEventError(CHUNKS_FIELD, "must be a non-empty array.");
  if (chunks.length > MAX_CHUNKS) throw new InvalidEventError(CHUNKS_FIELD, `has more than ${MAX_CHUNKS} chunks.`);
  return chunks;
}

/**
 * Checks every chunk; throws InvalidEventError naming the field when one cannot be archived safely. Repeats are
 * not refused: the same chunk twice is taken once, and an index or a documentId listed again with another partner
 * (ACS can repeat an index with another document) is archived under each documentId; each case is an anomaly.
 */
export function readChunks(chunks: readonly unknown[], policy: LocationPolicy): RecordingChunk[] {
  const read = chunks.map((chunk, position) => readChunk(chunk, `${CHUNKS_FIELD}[${position}]`, policy));
  const byIdentity = new Map<string, { chunk: RecordingChunk; anomalies: Set<ChunkAnomaly> }>();
  for (const chunk of read) {
    const identity = JSON.stringify([chunk.documentId, chunk.index]);
    const known = byIdentity.get(identity);
    if (known) known.anomalies.add("chunkListedTwice");
    else byIdentity.set(identity, { chunk, anomalies: new Set(chunk.anomalies) });
  }
  const unique = [...byIdentity.values()];
  const count = (key: (chunk: RecordingChunk) => string | number): Map<string | number, number> => {
    const counts = new Map<string | number, number>();
    for (const { chunk } of unique) counts.set(key(chunk), (counts.get(key(chunk)) ?? 0) + 1);
    return counts;
  };
  const indexes = count((chunk) => chunk.index);
  const documents = count((chunk) => chunk.documentId);
  return unique.map(({ chunk, anomalies }) => {
    if ((indexes.get(chunk.index) ?? 0) > 1) anomalies.add("indexRepeated");
    if ((documents.get(chunk.documentId) ?? 0) > 1) anomalies.add("documentIdRepeated");
    return { ...chunk, anomalies: anomalyList(anomalies) };
  });
}

function readChunk(chunk: unknown, path: string, policy: LocationPolicy): RecordingChunk {
  if (!isRecord(chunk)) throw new InvalidEventError(path, "must be an object.");
  const fields = chunk as Record<string, unknown> & Partial<Record<keyof AcsRecordingChunkInfo, unknown>>;
  const documentId = fields.documentId;
  const problem = documentIdProblem(documentId);
  if (problem || typeof documentId !== "string")
    throw new InvalidEventError(`${path}.documentId`, problem ?? "must be a string.");
  const anomalies: ChunkAnomaly[] = [];
  const index = readIndex(fields.index, `${path}.index`, anomalies);
  const endReason = fields.endReason;
  if (endReason !== undefined && endReason !== null && typeof endReason !== "string")
    anomalies.push("endReasonUnreadable");
  const locations = readLocations(fields, path, documentId, policy, anomalies);
  return { documentId, index, ...(typeof endReason === "string" ? { endReason } : {}), locations, anomalies };
}

/** A non-negative integer; a decimal string is taken too (the BYOS documentation writes `"index": "int"`). */
function readIndex(value: unknown, field: string, anomalies: ChunkAnomaly[]): number {
  if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) return value;
  if (typeof value === "string" && /^\d{1,15}$/.test(value)) {
    anomalies.push("indexAsText");
    return Number(value);
  }
  throw new InvalidEventError(field, "must be a non-negative integer.");
}

/**
 * The chunk's URLs. `contentLocation` and `metadataLocation` must be on an allowed download host and name the chunk's
 * own documentId, or the event is refused: otherwise a signed request could go elsewhere, or another document be
 * archived under this chunk's name. A `deleteLocation` that fails either rule is left out and recorded as an anomaly:
 * the archive does not need it, and a delete that is never sent cannot remove another recording.
 */
function readLocations(
  chunk: Record<string, unknown>,
  path: string,
  documentId: string,
  policy: LocationPolicy,
  anomalies: ChunkAnomaly[],
): RecordingChunk["locations"] {
  const locations: Partial<Record<ChunkLocationField, string>> = {};
  for (const field of CHUNK_LOCATION_FIELDS) {
    const value = chunk[field];
    if (value === undefined || value === null) continue;
    const rejected =
      typeof value !== "string" || value.length > 2048
        ? { kind: "host" as const, problem: "must be a URL string" }
        : chunkLocationProblem(policy, value, documentId);
    if (rejected && field === "deleteLocation") {
      anomalies.push(rejected.kind === "document" ? "deleteLocationNamesOtherDocument" : "deleteLocationNotAllowed");
      continue;
    }
    if (rejected) throw new InvalidEventError(`${path}.${field}`, `${rejected.problem}.`);
    locations[field] = value as string;
  }
  return locations;
}
