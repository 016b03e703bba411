import { setMaxListeners } from "node:events";
import type { BlockBlobClient, ContainerClient } from "@azure/storage-blob";
import type { AcsClients } from "../acs/acsClients";
import { describeError, TransferInterruptedError } from "../errors";
import type { ChunkMessage } from "../queue/chunkMessage";
import type { Log } from "../shared/log";
import { chunkBlobMetadata } from "../layout/blobMetadata";
import { chunkBlobNames, mediaFormat } from "../layout/blobLayout";
import { commitMedia, findArchivedMedia } from "./transfer/mediaCommit";
import { transferMedia } from "./transfer/mediaTransfer";
import { ensureOnce } from "../storage/ensureOnce";
import type { TransferContext } from "./transfer/transferContext";
import { transferMetadata } from "./transfer/metadataTransfer";
import { DEFAULT_RETRY, type RetryPolicy } from "./retryPolicy";
import { deleteFromAcs } from "./acsCleanup";
import { deadlineAtRisk, notFoundMeansExpired } from "./retention";
import { storageSignal } from "../storage/storageDeadline";
import { stagedBlockSize } from "./transfer/blockPlan";
import { DEFAULT_MEMORY_BUDGET, MemoryBudget } from "./transfer/memoryBudget";
import type { AbortOptions } from "../shared/cancellation";

export interface ChunkArchiverOptions {
  /** Chooses each chunk's signed client by its resource. */
  readonly acs: AcsClients;
  readonly container: ContainerClient;
  readonly blockSize: number;
  readonly concurrency: number;
  /** The process's memory budget (ARCHIVE_MEMORY_BUDGET), shared by every chunk; a budget of its own when absent. */
  readonly memory?: MemoryBudget;
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
  /** The metadata document as this invocation stored it (absent when an earlier delivery stored it). */
  readonly metadataDocument?: Buffer;
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
  private readonly memory: MemoryBudget;

  constructor(private readonly options: ChunkArchiverOptions) {
    this.retry = options.retry ?? DEFAULT_RETRY;
    this.memory = options.memory ?? new MemoryBudget(DEFAULT_MEMORY_BUDGET, stagedBlockSize(options.blockSize));
    if (this.memory.bufferBytes !== stagedBlockSize(options.blockSize))
      throw new RangeError(
        `the memory budget's buffers hold ${this.memory.bufferBytes} bytes; blocks of ${options.blockSize}-byte ranges need ${stagedBlockSize(options.blockSize)}`,
      );
    this.now = options.now ?? (() => new Date());
    this.ensureContainer = ensureOnce(async () => {
      await options.container.createIfNotExists({ abortSignal: storageSignal() });
    });
  }

  get containerName(): string {
    return this.options.container.containerName;
  }

  /**
   * The archive's answer to "is this chunk archived already?": its media blob's size, or undefined (one HEAD, and
   * once per process the container check). Throws ArchiveConflictError when the blob is another chunk's.
   */
  async archivedSize(message: ChunkMessage, { abortSignal: signal }: AbortOptions = {}): Promise<number | undefined> {
    await this.ensureContainer();
    return findArchivedMedia(this.options.container.getBlockBlobClient(chunkBlobNames(message).media), message, {
      abortSignal: signal,
    });
  }

  /**
   * The archive is checked first, so an archived chunk (a redelivery, a duplicate message) is not downloaded again.
   * `delivery.firstDelivery`: the queue's first delivery of a chunk never re-queued, which rarely finds anything of an
   * earlier delivery: then the metadata is not looked up before its download, and the media's first GET does not
   * wait for the block list (the writes' `If-None-Match: *` still never overwrite). `delivery.archivedSize`: that
   * check, started by the caller (`archivedSize`) side by side with its own (the job's erasure tombstones).
   */
  async archive(
    message: ChunkMessage,
    log: Log,
    delivery: { firstDelivery?: boolean; archivedSize?: Promise<number | undefined> } = {},
  ): Promise<ArchivedChunk> {
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
    const common = {
      acs,
      retry: this.retry,
      deadlinePassed: () => notFoundMeansExpired(message.deadline, this.now()),
      abortSignal: budget.signal,
      log,
    };
    const identity = chunkBlobMetadata(message);
    try {
      const mediaBlob = container.getBlockBlobClient(names.media);
      const existing = await (delivery.archivedSize ?? this.archivedSize(message, { abortSignal: budget.signal }));
      // Metadata and media travel side by side; a metadata failure never costs the media.
      const metadata = transferMetadata({
        ...common,
        idleTimeoutMs,
        blob: container.getBlockBlobClient(names.metadata),
        url: message.metadataLocation ?? acs.preview2021Url(message.documentId, "metadata"),
        field: message.metadataLocation ? "metadataLocation" : "documentId (2021 preview API download URL)",
        blobMetadata: identity,
        mayExist: existing !== undefined || delivery.firstDelivery !== true,
      }).then(
        (result) => ({ result }),
        (error: unknown) => ({ error }),
      );
      const media = await (
        existing === undefined
          ? this.archiveMedia(message, mediaBlob, identity, common, delivery.firstDelivery === true)
          : Promise.resolve(undefined)
      ).then(
        (result) => ({ result }),
        (error: unknown) => ({ error }),
      );
      const metadataDone = await metadata;
      if ("error" in media) throw media.error;
      if ("error" in metadataDone) throw metadataDone.error;
      const stored = metadataDone.result;
      const metadataFacts = {
        metadataValidJson: stored.validJson,
        ...(stored.document ? { metadataDocument: stored.document } : {}),
      };
      if (!media.result) {
        log.info(
          `Chunk ${message.chunkKey} is already archived at ${container.containerName}/${names.media} (${existing} bytes).`,
        );
        return this.finish(
          message,
          {
            outcome: "alreadyArchived",
            names,
            bytes: existing ?? 0,
            downloadedBytes: 0,
            resumedBlocks: 0,
            ...metadataFacts,
          },
          common,
          log,
        );
      }
      return this.finish(message, { ...media.result, names, ...metadataFacts }, common, log);
    } catch (error) {
      // Whatever broke because the budget ran out is one thing: time to hand back to the queue.
      if (budget.signal.aborted) throw budget.signal.reason;
      // A concurrent delivery may have finished the chunk meanwhile (and, with DELETE_AFTER_ARCHIVE,
      // deleted the ACS copy, hence our 404): then there is nothing left to do.
      const bytes = await this.finishedMeanwhile(message, names, { abortSignal: budget.signal });
      if (bytes === undefined) throw error;
      log.info(`Chunk ${message.chunkKey} was archived by another delivery meanwhile (${describeError(error)} here).`);
      return this.finish(
        message,
        { outcome: "alreadyArchived", names, bytes, downloadedBytes: 0, resumedBlocks: 0 },
        common,
        log,
      );
    } finally {
      clearTimeout(timer);
    }
  }

  private async archiveMedia(
    message: ChunkMessage,
    blob: BlockBlobClient,
    identity: Record<string, string>,
    common: Pick<TransferContext, "acs" | "retry" | "deadlinePassed" | "abortSignal" | "log">,
    fresh: boolean,
  ): Promise<Pick<ArchivedChunk, "outcome" | "bytes" | "downloadedBytes" | "resumedBlocks" | "contentSha256">> {
    const context: TransferContext = {
      ...common,
      blob,
      url: message.contentLocation ?? common.acs.preview2021Url(message.documentId, "content"),
      field: message.contentLocation ? "contentLocation" : "documentId (2021 preview API download URL)",
      blockSize: this.options.blockSize,
      concurrency: this.options.concurrency,
      memory: this.memory,
      idleTimeoutMs: this.options.idleTimeoutMs ?? 60_000,
      received: { bytes: 0 },
    };
    const contentType = mediaFormat(message).contentType;
    const outcome = await transferMedia(context, { message, contentType, identity }, fresh);
    if (outcome.kind === "archived") {
      common.log.info(
        `Chunk ${message.chunkKey} is already archived at ${this.containerName}/${blob.name} (${outcome.bytes} bytes).`,
      );
      return {
        outcome: "alreadyArchived",
        bytes: outcome.bytes,
        downloadedBytes: context.received.bytes,
        resumedBlocks: 0,
      };
    }
    const { media } = outcome;
    const committed =
      outcome.kind === "stored" ||
      (await commitMedia(blob, message, media, contentType, identity, { abortSignal: common.abortSignal }));
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

  private async finishedMeanwhile(
    message: ChunkMessage,
    names: { media: string; metadata: string },
    { abortSignal: signal }: Required<AbortOptions>,
  ): Promise<number | undefined> {
    try {
      const { container } = this.options;
      const [bytes, metadata] = await Promise.all([
        findArchivedMedia(container.getBlockBlobClient(names.media), message, { abortSignal: signal }),
        container.getBlockBlobClient(names.metadata).exists({ abortSignal: storageSignal(signal) }),
      ]);
      return metadata ? bytes : undefined;
    } catch {
      return undefined;
    }
  }

  private async finish(
    message: ChunkMessage,
    result: Omit<ArchivedChunk, "mediaBlob" | "metadataBlob" | "deletedFromAcs"> & {
      names: { media: string; metadata: string };
    },
    common: Pick<TransferContext, "acs" | "abortSignal" | "log">,
    log: Log,
  ): Promise<ArchivedChunk> {
    const { names, ...rest } = result;
    const archived = {
      ...names,
      bytes: rest.bytes,
      ...(rest.contentSha256 ? { contentSha256: rest.contentSha256 } : {}),
    };
    const deletedFromAcs =
      this.options.deleteAfterArchive &&
      (await deleteFromAcs(common.acs, this.options.container, message, archived, log, this.retry, {
        abortSignal: common.abortSignal,
      }));
    return {
      ...rest,
      mediaBlob: `${this.containerName}/${names.media}`,
      metadataBlob: `${this.containerName}/${names.metadata}`,
      deletedFromAcs,
    };
  }

  private warnIfLate(message: ChunkMessage, log: Log): void {
    const risk = deadlineAtRisk(message.deadline, this.now(), this.options.retentionHours);
    if (risk)
      log.warn(
        `Chunk ${message.chunkKey} is close to its retention deadline ${message.deadline} (${risk}); ACS may delete it.`,
      );
  }
}
