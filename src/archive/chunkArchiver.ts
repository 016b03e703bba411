import { setMaxListeners } from "node:events";
import type { BlockBlobClient, ContainerClient } from "@azure/storage-blob";
import type { AcsClients } from "../acs/acsClients";
import { describeError, TransferInterruptedError } from "../errors";
import type { ChunkMessage } from "../events/chunkMessage";
import type { Log } from "../shared/log";
import { chunkBlobMetadata } from "./blobMetadata";
import { chunkBlobNames, mediaFormat } from "./blobLayout";
import { commitMedia, findArchivedMedia } from "./mediaCommit";
import { transferMedia } from "./mediaTransfer";
import { ensureOnce } from "../storage/ensureOnce";
import type { TransferContext } from "./transferContext";
import { transferMetadata } from "./metadataTransfer";
import { DEFAULT_RETRY, type RetryPolicy } from "./retryPolicy";
import { deleteFromAcs } from "./acsCleanup";
import { deadlineAtRisk, notFoundMeansExpired } from "./retention";
import { storageSignal } from "../storage/storageDeadline";

export interface ChunkArchiverOptions {
  /** Chooses each chunk's signed client by its resource. */
  readonly acs: AcsClients;
  readonly container: ContainerClient;
  readonly blockSize: number;
  readonly concurrency: number;
  readonly retentionHours: number;
  readonly deleteAfterArchive: boolean;
  readonly retry?: RetryPolicy;
  /** A body that sends nothing for this long is abandoned and resumed. */
  readonly idleTimeoutMs?: number;
  /** Work longer than this is stopped and left to the queue's redelivery (which resumes it). */
  readonly invocationBudgetMs?: number;
  readonly now?: () => Date;
}

export interface ArchivedChunk {
  readonly outcome: "archived" | "alreadyArchived";
  readonly mediaBlob: string;
  readonly metadataBlob: string;
  readonly bytes: number;
  /** Bytes received from ACS in this invocation. */
  readonly downloadedBytes: number;
  readonly resumedBlocks: number;
  /** SHA-256 (hex) of the media, when it was all downloaded in one invocation (also in blob metadata). */
  readonly contentSha256?: string;
  readonly metadataValidJson?: boolean;
  readonly deletedFromAcs: boolean;
}

/**
 * Makes one chunk and its metadata exist, complete and verified, in the archive container: exactly
 * once however often it is called. Throws domain errors; the caller decides retry or record.
 */
export class ChunkArchiver {
  private readonly retry: RetryPolicy;
  private readonly now: () => Date;
  private readonly ensureContainer: () => Promise<void>;

  constructor(private readonly options: ChunkArchiverOptions) {
    this.retry = options.retry ?? DEFAULT_RETRY;
    this.now = options.now ?? (() => new Date());
    this.ensureContainer = ensureOnce(async () => {
      await options.container.createIfNotExists({ abortSignal: storageSignal() });
    });
  }

  get containerName(): string {
    return this.options.container.containerName;
  }

  async archive(message: ChunkMessage, log: Log): Promise<ArchivedChunk> {
    const { container } = this.options;
    // Throws, before anything is signed, when no key serves the chunk's resource (permanent: recorded as failed).
    const acs = this.options.acs.forResource(message.resource, log);
    const names = chunkBlobNames(message);
    this.warnIfLate(message, log);
    const budget = new AbortController();
    setMaxListeners(0, budget.signal);
    const timer = setTimeout(
      () => budget.abort(new TransferInterruptedError("the invocation's time budget ran out")),
      this.options.invocationBudgetMs ?? 8 * 60_000,
    );
    const idleTimeoutMs = this.options.idleTimeoutMs ?? 60_000;
    const common = { acs, retry: this.retry, deadlinePassed: () => notFoundMeansExpired(message.deadline, this.now()), signal: budget.signal, log };
    const identity = chunkBlobMetadata(message);
    try {
      await this.ensureContainer();
      const mediaBlob = container.getBlockBlobClient(names.media);
      const existing = await findArchivedMedia(mediaBlob, message, budget.signal);
      // Metadata and media travel side by side; a metadata failure never costs the media.
      const metadata = transferMetadata({
        ...common,
        idleTimeoutMs,
        blob: container.getBlockBlobClient(names.metadata),
        url: message.metadataLocation ?? acs.foundingUrl(message.documentId, "metadata"),
        field: message.metadataLocation ? "metadataLocation" : "documentId (founding download URL)",
        blobMetadata: identity,
      }).then(
        (result) => ({ result }),
        (error: unknown) => ({ error }),
      );
      const media = await (existing === undefined ? this.archiveMedia(message, mediaBlob, identity, common) : Promise.resolve(undefined)).then(
        (result) => ({ result }),
        (error: unknown) => ({ error }),
      );
      const metadataDone = await metadata;
      if ("error" in media) throw media.error;
      if ("error" in metadataDone) throw metadataDone.error;
      const validJson = { metadataValidJson: metadataDone.result.validJson };
      if (!media.result) {
        log.info(`Chunk ${message.chunkKey} is already archived at ${container.containerName}/${names.media} (${existing} bytes).`);
        return this.finish(
          message,
          { outcome: "alreadyArchived", names, bytes: existing ?? 0, downloadedBytes: 0, resumedBlocks: 0, ...validJson },
          common,
          log,
        );
      }
      return this.finish(message, { ...media.result, names, ...validJson }, common, log);
    } catch (error) {
      // Whatever broke because the budget ran out is one thing: time to hand back to the queue.
      if (budget.signal.aborted) throw budget.signal.reason;
      // A concurrent delivery may have finished the chunk meanwhile (and, with DELETE_AFTER_ARCHIVE,
      // deleted the ACS copy, hence our 404): then there is nothing left to do.
      const bytes = await this.finishedMeanwhile(message, names, budget.signal);
      if (bytes === undefined) throw error;
      log.info(`Chunk ${message.chunkKey} was archived by another delivery meanwhile (${describeError(error)} here).`);
      return this.finish(message, { outcome: "alreadyArchived", names, bytes, downloadedBytes: 0, resumedBlocks: 0 }, common, log);
    } finally {
      clearTimeout(timer);
    }
  }

  private async archiveMedia(
    message: ChunkMessage,
    blob: BlockBlobClient,
    identity: Record<string, string>,
    common: Pick<TransferContext, "acs" | "retry" | "deadlinePassed" | "signal" | "log">,
  ): Promise<Pick<ArchivedChunk, "outcome" | "bytes" | "downloadedBytes" | "resumedBlocks" | "contentSha256">> {
    const context: TransferContext = {
      ...common,
      blob,
      url: message.contentLocation ?? common.acs.foundingUrl(message.documentId, "content"),
      field: message.contentLocation ? "contentLocation" : "documentId (founding download URL)",
      blockSize: this.options.blockSize,
      concurrency: this.options.concurrency,
      idleTimeoutMs: this.options.idleTimeoutMs ?? 60_000,
      received: { bytes: 0 },
    };
    const media = await transferMedia(context);
    const committed = await commitMedia(blob, message, media, mediaFormat(message).contentType, identity, common.signal);
    common.log.info(
      `Archived chunk ${message.chunkKey} to ${this.containerName}/${blob.name}: ${media.bytes} bytes` +
        ` (${media.mode}, ${media.resumedBlocks} blocks resumed, ${context.received.bytes} bytes downloaded).`,
    );
    return {
      outcome: committed ? "archived" : "alreadyArchived",
      bytes: media.bytes,
      downloadedBytes: context.received.bytes,
      resumedBlocks: media.resumedBlocks,
      ...(media.contentSha256 ? { contentSha256: media.contentSha256 } : {}),
    };
  }

  private async finishedMeanwhile(message: ChunkMessage, names: { media: string; metadata: string }, signal: AbortSignal): Promise<number | undefined> {
    try {
      const { container } = this.options;
      const [bytes, metadata] = await Promise.all([
        findArchivedMedia(container.getBlockBlobClient(names.media), message, signal),
        container.getBlockBlobClient(names.metadata).exists({ abortSignal: storageSignal(signal) }),
      ]);
      return metadata ? bytes : undefined;
    } catch {
      return undefined;
    }
  }

  private async finish(
    message: ChunkMessage,
    result: Omit<ArchivedChunk, "mediaBlob" | "metadataBlob" | "deletedFromAcs"> & { names: { media: string; metadata: string } },
    common: Pick<TransferContext, "acs" | "signal" | "log">,
    log: Log,
  ): Promise<ArchivedChunk> {
    const { names, ...rest } = result;
    const archived = { ...names, bytes: rest.bytes, ...(rest.contentSha256 ? { contentSha256: rest.contentSha256 } : {}) };
    const deletedFromAcs =
      this.options.deleteAfterArchive && (await deleteFromAcs(common.acs, this.options.container, message, archived, common.signal, log, this.retry));
    return { ...rest, mediaBlob: `${this.containerName}/${names.media}`, metadataBlob: `${this.containerName}/${names.metadata}`, deletedFromAcs };
  }

  private warnIfLate(message: ChunkMessage, log: Log): void {
    const risk = deadlineAtRisk(message.deadline, this.now(), this.options.retentionHours);
    if (risk) log.warn(`Chunk ${message.chunkKey} is close to its retention deadline ${message.deadline} (${risk}); ACS may delete it.`);
  }
}
