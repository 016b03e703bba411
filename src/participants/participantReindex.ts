import type { ContainerClient } from "@azure/storage-blob";
import { RECORDINGS_PREFIX } from "../archive/blobLayout";
import type { Log } from "../shared/log";
import { isRecord } from "../shared/untrustedJson";
import { mapConcurrent } from "../shared/mapConcurrent";
import { readSmallBlob } from "../storage/smallBlob";
import { storageSignal } from "../storage/storageDeadline";
import { checkpointName } from "./indexLayout";
import type { ParticipantIndex } from "./participantIndex";

const PAGE_SIZE = 500;
const READ_CONCURRENCY = 4;

interface ReindexProgress {
  readonly scannedBlobs: number;
  readonly metadataDocuments: number;
  readonly entries: number;
  readonly pages: number;
}

export interface ReindexReport extends ReindexProgress {
  readonly container: string;
  /** True when the run continued from a checkpoint an earlier, interrupted run left. */
  readonly resumed: boolean;
  readonly startedAt: string;
  readonly finishedAt: string;
}

interface Checkpoint extends ReindexProgress {
  readonly continuationToken: string;
  readonly startedAt: string;
  readonly updatedAt: string;
}

export interface ReindexOptions {
  readonly index: ParticipantIndex;
  readonly recordings: ContainerClient;
  readonly log: Log;
  /** Ignore a checkpoint and start from the first blob. */
  readonly restart?: boolean;
  readonly pageSize?: number;
  readonly onProgress?: (progress: ReindexProgress) => void;
  /** Stop after this many pages (tests: an interrupted run); the checkpoint stays. */
  readonly maxPages?: number;
}

/**
 * Builds the index from metadata already archived under `calls/`: one listing page at a time, each
 * page's metadata documents read and indexed, then a checkpoint (the listing's continuation token
 * and the counts) saved in the index container. A run that breaks resumes from the checkpoint.
 */
export async function reindexParticipants(options: ReindexOptions): Promise<ReindexReport> {
  const { index, recordings, log } = options;
  const checkpointBlob = index.container.getBlockBlobClient(checkpointName(recordings.containerName));
  const saved = options.restart ? undefined : await readCheckpoint(index, recordings.containerName);
  if (saved) log.info(`Reindex resumes from the checkpoint of ${saved.updatedAt} (${saved.scannedBlobs} blobs scanned).`);
  let progress: ReindexProgress = saved ?? { scannedBlobs: 0, metadataDocuments: 0, entries: 0, pages: 0 };
  const startedAt = saved?.startedAt ?? new Date().toISOString();
  let token = saved?.continuationToken;
  let pagesThisRun = 0;
  await index.ready();
  for (;;) {
    const pages = recordings
      .listBlobsFlat({ prefix: RECORDINGS_PREFIX, abortSignal: storageSignal() })
      .byPage({ maxPageSize: options.pageSize ?? PAGE_SIZE, ...(token ? { continuationToken: token } : {}) });
    const page = (await pages.next()).value as { continuationToken?: string; segment: { blobItems: { name: string }[] } } | undefined;
    const names = page?.segment.blobItems.map((item) => item.name) ?? [];
    const documents = names.filter((name) => name.endsWith(".metadata.json"));
    const counts = await mapConcurrent(documents, READ_CONCURRENCY, (name) =>
      index.indexMetadataBlob(recordings, name, name.slice(0, name.lastIndexOf("/") + 1), "reindex", log),
    );
    const failed = counts.find((result): result is PromiseRejectedResult => result.status === "rejected");
    if (failed) throw failed.reason;
    progress = {
      scannedBlobs: progress.scannedBlobs + names.length,
      metadataDocuments: progress.metadataDocuments + documents.length,
      entries: progress.entries + counts.reduce((sum, result) => sum + (result.status === "fulfilled" ? result.value : 0), 0),
      pages: progress.pages + 1,
    };
    options.onProgress?.(progress);
    token = page?.continuationToken || undefined;
    pagesThisRun += 1;
    if (!token) break;
    const checkpoint: Checkpoint = { ...progress, continuationToken: token, startedAt, updatedAt: new Date().toISOString() };
    const body = JSON.stringify(checkpoint);
    await checkpointBlob.upload(body, Buffer.byteLength(body), { blobHTTPHeaders: { blobContentType: "application/json" }, abortSignal: storageSignal() });
    if (options.maxPages !== undefined && pagesThisRun >= options.maxPages) {
      return { container: recordings.containerName, resumed: saved !== undefined, startedAt, finishedAt: "", ...progress };
    }
  }
  await checkpointBlob.deleteIfExists({ abortSignal: storageSignal() });
  return { container: recordings.containerName, resumed: saved !== undefined, startedAt, finishedAt: new Date().toISOString(), ...progress };
}

async function readCheckpoint(index: ParticipantIndex, recordingsContainer: string): Promise<Checkpoint | undefined> {
  if (!(await index.container.exists({ abortSignal: storageSignal() }))) return undefined;
  const body = await readSmallBlob(index.container.getBlobClient(checkpointName(recordingsContainer)), 64 * 1024);
  if (!body) return undefined;
  try {
    const parsed: unknown = JSON.parse(body.toString("utf8"));
    if (isRecord(parsed) && typeof parsed["continuationToken"] === "string" && typeof parsed["startedAt"] === "string") return parsed as unknown as Checkpoint;
  } catch {
    // An unreadable checkpoint means starting over: indexing again is harmless.
  }
  return undefined;
}
