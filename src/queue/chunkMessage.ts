import type { ByosLocation } from "./byosLocation";
import type { ChunkAnomaly } from "./chunkAnomalies";

/**
 * One queue message per recording chunk: everything the archiver needs, without the original event.
 * The chunk's identity is (resource, documentId, index); repeats of the same identity are no-ops.
 * This file is the one description of the message: the interface, and the field lists the builder
 * (recordingEvent.ts) and the parser (chunkMessageParser.ts) work from, checked against each other.
 */
export interface ChunkMessage {
  readonly version: 1;
  /** `<resource>|<documentId>|<index>`, lower-cased resource: the idempotency key. */
  readonly chunkKey: string;
  /** ACS resource id the event came from (topic/source); "" when the event named none. */
  readonly resource: string;
  readonly documentId: string;
  readonly index: number;
  readonly endReason?: string;
  /** The chunk's URLs; each names the chunk's own documentId (chunkLocations.ts). */
  readonly contentLocation?: string;
  readonly metadataLocation?: string;
  readonly deleteLocation?: string;
  readonly eventId: string;
  readonly eventTime: string;
  /** eventTime + RETENTION_HOURS: after this, ACS may have deleted the file. */
  readonly deadline: string;
  readonly callId?: string;
  readonly serverCallId?: string;
  readonly recordingId?: string;
  /** Number of chunks in the recording (from the same event). */
  readonly chunkCount: number;
  readonly recordingStartTime?: string;
  readonly recordingDurationMs?: number;
  readonly sessionEndReason?: string;
  readonly contentType?: string;
  readonly channelType?: string;
  readonly formatType?: string;
  readonly storageType?: string;
  /** Bring your own storage: the chunk is in the customer's account; no ACS request is made for it. */
  readonly byos?: ByosLocation;
  /** How often the archiver re-queued this chunk after its deliveries ran out (absent at first). */
  readonly redelivery?: number;
  /** What intake found odd about the chunk and did not refuse it for (chunkAnomalies.ts); absent when nothing. */
  readonly anomalies?: readonly ChunkAnomaly[];
}

/** Optional free-text fields, copied as they came (each at most 256 characters at intake). */
export const CHUNK_TEXT_FIELDS = [
  "endReason",
  "callId",
  "serverCallId",
  "recordingId",
  "sessionEndReason",
  "contentType",
  "channelType",
  "formatType",
  "storageType",
] as const satisfies readonly (keyof ChunkMessage)[];

/** The chunk's URLs: each must pass the download host allowlist and name the chunk's documentId. */
export const CHUNK_LOCATION_FIELDS = [
  "contentLocation",
  "metadataLocation",
  "deleteLocation",
] as const satisfies readonly (keyof ChunkMessage)[];
export type ChunkLocationField = (typeof CHUNK_LOCATION_FIELDS)[number];

/** The remaining fields, each read by its own rule (the parser names each one). */
type ChunkOwnRuleField =
  | "version"
  | "chunkKey"
  | "resource"
  | "documentId"
  | "index"
  | "chunkCount"
  | "eventId"
  | "eventTime"
  | "deadline"
  | "recordingStartTime"
  | "recordingDurationMs"
  | "redelivery"
  | "byos"
  | "anomalies";

// Every field of ChunkMessage is in a list above: a field added to the interface alone fails to compile.
type ListedField = (typeof CHUNK_TEXT_FIELDS | typeof CHUNK_LOCATION_FIELDS)[number] | ChunkOwnRuleField;
const everyFieldListed: Exclude<keyof ChunkMessage, ListedField> extends never ? true : never = true;
void everyFieldListed;

export function chunkKey(resource: string, documentId: string, index: number): string {
  return `${resource.toLowerCase()}|${documentId}|${index}`;
}

/**
 * Encodes a message the way the Functions queue trigger decodes it with host.json
 * `extensions.queues.messageEncoding: "base64"` (the default): base64 of the UTF-8 JSON.
 */
export function encodeChunkMessage(message: ChunkMessage): string {
  return Buffer.from(JSON.stringify(message), "utf8").toString("base64");
}

/** Upper bound we allow for one encoded message (the service limit is 64 KiB). */
export const MAX_ENCODED_MESSAGE_BYTES = 16 * 1024;
