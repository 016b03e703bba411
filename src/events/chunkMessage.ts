import type { ByosLocation } from "../byos/byosLocation";

/**
 * One queue message per recording chunk: everything the archiver needs, without the original event.
 * The chunk's identity is (resource, documentId, index); repeats of the same identity are no-ops.
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
  /** Bring your own storage (issue 11): the chunk is in the customer's account; no ACS request is made for it. */
  readonly byos?: ByosLocation;
  /** How often the archiver re-queued this chunk after its deliveries ran out (absent at first). */
  readonly redelivery?: number;
}

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
