import { createHash } from "node:crypto";
import type { ContainerClient } from "@azure/storage-blob";
import { chunkBlobNames } from "../layout/blobLayout";
import { anomalyList, type ChunkAnomaly } from "../queue/chunkAnomalies";
import type { ChunkMessage } from "../queue/chunkMessage";
import { listWithMetadata, writeJsonOnce } from "./boundedReads";
import { chunkNameKey, queuedFolder } from "../layout/catalogLayout";
import type { AbortOptions } from "../shared/cancellation";

/** A chunk intake queued: `archive-catalog/<call>/<recording>/queued/<index>-<documentId>-<event>.json`. */
interface QueuedChunkRecord {
  readonly schemaVersion: 1;
  readonly index: number;
  readonly documentId: string;
  readonly chunkKey: string;
  readonly eventId: string;
  readonly queuedAt: string;
  /** What intake found odd about the chunk and archived it anyway (src/queue/chunkAnomalies.ts). */
  readonly anomalies: readonly ChunkAnomaly[];
}

/**
 * One small record per chunk and event that intake has queued, written only after the chunk's message was sent (so a
 * crash between the two re-sends the chunk on the redelivery, never loses it), beside the recording's expected
 * record. It makes enqueueing idempotent across Event Grid's redeliveries of a delivery: a retry lists the
 * recording's records once and sends only the chunks without one. It is also where a chunk's anomalies are recorded,
 * once: the status API and the manifest read them from a listing (blob metadata `anomalies`), without reading bodies.
 * The record carries no `documentid` / `chunkindex` metadata: those mark the archive's chunk blobs, and this is not one.
 */
export class QueuedChunks {
  constructor(private readonly container: ContainerClient) {}

  /** The record's name: a function of the recording, the chunk and the event, so each retry of a delivery finds it. */
  static recordName(message: ChunkMessage): string {
    const event = createHash("sha256").update(message.eventId, "utf8").digest("hex").slice(0, 16);
    return `${queuedFolder(chunkBlobNames(message).folder)}${chunkNameKey(message.index, message.documentId)}-${event}.json`;
  }

  /** The names of the records under one recording (at most a listing bound: a miss only re-sends a chunk). */
  async recordNames(recordingFolder: string, { abortSignal: signal }: AbortOptions = {}): Promise<Set<string>> {
    const { blobs } = await listWithMetadata(this.container, queuedFolder(recordingFolder), undefined, {
      abortSignal: signal,
    });
    return new Set(blobs.map((blob) => blob.name));
  }

  /** Writes the record of a chunk whose message was sent (If-None-Match: an earlier attempt's stands). Throws on a Storage failure. */
  async recordQueued(message: ChunkMessage, now: Date, { abortSignal: signal }: AbortOptions = {}): Promise<void> {
    const anomalies = anomalyList(message.anomalies ?? []);
    const record: QueuedChunkRecord = {
      schemaVersion: 1,
      index: message.index,
      documentId: message.documentId,
      chunkKey: message.chunkKey,
      eventId: message.eventId,
      queuedAt: now.toISOString(),
      anomalies,
    };
    const metadata = anomalies.length > 0 ? { anomalies: anomalies.join(",") } : undefined;
    await writeJsonOnce(this.container, QueuedChunks.recordName(message), JSON.stringify(record), metadata, {
      abortSignal: signal,
    });
  }

  /**
   * The anomalies recorded for each chunk of one recording, keyed by chunkNameKey(index, documentId) (how the records'
   * names start): one listing with metadata, no bodies read.
   */
  async anomaliesOf(recordingFolder: string): Promise<Map<string, ChunkAnomaly[]>> {
    const folder = queuedFolder(recordingFolder);
    const { blobs } = await listWithMetadata(this.container, folder);
    const found = new Map<string, ChunkAnomaly[]>();
    for (const blob of blobs) {
      const key = /^(.+)-[0-9a-f]{16}\.json$/.exec(blob.name.slice(folder.length))?.[1];
      const codes = blob.metadata?.["anomalies"];
      if (key === undefined || !codes) continue;
      found.set(key, anomalyList([...(found.get(key) ?? []), ...codes.split(",")]));
    }
    return found;
  }
}
