import type { BlobGetPropertiesResponse, ContainerClient } from "@azure/storage-blob";
import { chunkBlobMetadata } from "../layout/blobMetadata";
import { CATALOGUE_SUFFIX, chunkBlobNames, mediaFormat } from "../layout/blobLayout";
import type { ArchivedChunk } from "../archive/chunkArchiver";
import { DownloadUrlRejectedError, TransferInterruptedError } from "../errors";
import type { ChunkMessage } from "../queue/chunkMessage";
import { MAX_METADATA_READ } from "../layout/metadataDocument";
import type { Log } from "../shared/log";
import { ensureOnce } from "../storage/ensureOnce";
import { readSmallBlobVersion } from "../storage/smallBlob";
import { storageSignal } from "../storage/storageDeadline";
import type { ByosAccess } from "./byosAccess";
import { copyServerSide, type CopyResult } from "./byosCopy";
import type { ByosContainer } from "../config/byosContainers";
import { byosLocationProblem, containerOfLocation, type ByosLocation } from "../queue/byosLocation";
import { isAlreadyThere, isNotFound } from "../shared/errorKinds";

/** The per-chunk catalogue record (`<index>-<documentId>.byos.json` in the recording's folder). */
export interface ByosCatalogueRecord {
  readonly version: 1;
  readonly kind: "byosChunk";
  readonly documentId: string;
  readonly index: number;
  readonly chunkCount: number;
  readonly callId?: string;
  readonly serverCallId?: string;
  readonly recordingId?: string;
  readonly recordingStartTime?: string;
  readonly eventId: string;
  readonly storageType?: string;
  readonly account: string;
  /** The BYOS_STORAGE_ACCOUNTS container URL the blobs are in (records written before containers were listed lack it). */
  readonly container?: string;
  readonly media: {
    readonly url: string;
    readonly bytes: number;
    readonly contentType?: string;
    readonly contentMD5?: string;
    /** The ETag of the blob version catalogued (and copied): a later delete must still match it. */
    readonly etag?: string;
    readonly lastModified?: string;
    /** With BYOS_COPY=true: the verified server-side copy in the archive container. */
    readonly archivedCopy?: {
      readonly blob: string;
      readonly bytes: number;
      readonly verified: CopyResult["verified"];
    };
  };
  /** The metadata document ACS wrote, copied into the archive (a few KiB) so the participant index can read it. */
  readonly metadata?: {
    readonly url: string;
    readonly bytes: number;
    readonly archivedBlob: string;
    readonly etag?: string;
  };
  readonly cataloguedAt: string;
}

export interface ByosArchiverOptions {
  readonly container: ContainerClient;
  readonly access: ByosAccess;
  /** BYOS_STORAGE_ACCOUNTS: the only containers a request may go to. */
  readonly containers: readonly ByosContainer[];
  readonly copy: boolean;
}

/**
 * Archives a bring-your-own-storage chunk without ACS: checks the blob exists and its size with the
 * app's identity, copies the small metadata document, optionally copies the media server-side, and
 * writes the catalogue record last (its presence means "done"). Same result shape as ChunkArchiver.
 */
export class ByosArchiver {
  private readonly ensureContainer: () => Promise<void>;

  constructor(private readonly options: ByosArchiverOptions) {
    this.ensureContainer = ensureOnce(async () => {
      await options.container.createIfNotExists({ abortSignal: storageSignal() });
    });
  }

  async archive(message: ChunkMessage & { byos: ByosLocation }, log: Log): Promise<ArchivedChunk> {
    const { container, access } = this.options;
    const byos = message.byos;
    const inContainer = this.checkLocation(message);
    const names = chunkBlobNames(message);
    const catalogue = container.getBlockBlobClient(names.metadata.replace(/\.metadata\.json$/, CATALOGUE_SUFFIX));
    const result = (outcome: ArchivedChunk["outcome"], bytes: number, media: string): ArchivedChunk => ({
      outcome,
      mediaBlob: `${container.containerName}/${media}`,
      metadataBlob: `${container.containerName}/${names.metadata}`,
      bytes,
      downloadedBytes: 0,
      resumedBlocks: 0,
      deletedFromAcs: false,
    });
    await this.ensureContainer();
    const existing = await catalogue.exists({ abortSignal: storageSignal() });
    if (existing) {
      log.info(`BYOS chunk ${message.chunkKey} is already catalogued at ${container.containerName}/${catalogue.name}.`);
      const properties = await catalogue.getProperties({ abortSignal: storageSignal() });
      return result(
        "alreadyArchived",
        Number(properties.metadata?.["bytecount"] ?? 0),
        this.options.copy ? names.media : catalogue.name,
      );
    }
    const source = access.blob(byos.contentBlob);
    const properties = await sourceProperties(source.getProperties({ abortSignal: storageSignal() }), byos.contentBlob);
    const bytes = properties.contentLength ?? 0;
    const identity = { ...chunkBlobMetadata(message), byos: "true" };
    const metadata = byos.metadataBlob
      ? await this.copyMetadata(byos.metadataBlob, names.metadata, identity)
      : undefined;
    if (!metadata)
      log.warn(`BYOS chunk ${message.chunkKey} names no metadata document; its participants cannot be indexed.`);
    const md5 = properties.contentMD5 ? Buffer.from(properties.contentMD5).toString("base64") : undefined;
    const copied = this.options.copy
      ? await copyServerSide(
          container.getBlockBlobClient(names.media),
          {
            blob: source,
            bytes,
            ...(md5 ? { md5 } : {}),
            ...(properties.etag ? { etag: properties.etag } : {}),
            contentType: properties.contentType ?? mediaFormat(message).contentType,
          },
          access,
          { ...identity, bytecount: String(bytes) },
        )
      : undefined;
    const record: ByosCatalogueRecord = {
      version: 1,
      kind: "byosChunk",
      documentId: message.documentId,
      index: message.index,
      chunkCount: message.chunkCount,
      ...(message.callId ? { callId: message.callId } : {}),
      ...(message.serverCallId ? { serverCallId: message.serverCallId } : {}),
      ...(message.recordingId ? { recordingId: message.recordingId } : {}),
      ...(message.recordingStartTime ? { recordingStartTime: message.recordingStartTime } : {}),
      eventId: message.eventId,
      ...(byos.storageType ? { storageType: byos.storageType } : {}),
      account: byos.account,
      container: inContainer.url,
      media: {
        url: byos.contentBlob,
        bytes,
        ...(properties.contentType ? { contentType: properties.contentType } : {}),
        ...(md5 ? { contentMD5: md5 } : {}),
        ...(properties.etag ? { etag: properties.etag } : {}),
        ...(properties.lastModified ? { lastModified: properties.lastModified.toISOString() } : {}),
        ...(copied ? { archivedCopy: { blob: copied.blob, bytes: copied.bytes, verified: copied.verified } } : {}),
      },
      ...(metadata ? { metadata } : {}),
      cataloguedAt: new Date().toISOString(),
    };
    const body = JSON.stringify(record, null, 2);
    try {
      await catalogue.upload(body, Buffer.byteLength(body), {
        blobHTTPHeaders: { blobContentType: "application/json" },
        metadata: { ...identity, bytecount: String(bytes) },
        conditions: { ifNoneMatch: "*" },
        abortSignal: storageSignal(),
      });
    } catch (error) {
      if (!isAlreadyThere(error)) throw error;
      return result("alreadyArchived", bytes, copied ? names.media : catalogue.name);
    }
    log.info(
      `Catalogued BYOS chunk ${message.chunkKey}: ${bytes} bytes in ${byos.account}${copied ? `, copied server-side to ${container.containerName}/${copied.blob} (verified: ${copied.verified})` : " (not copied)"}.`,
    );
    return result("archived", bytes, copied ? names.media : catalogue.name);
  }

  /**
   * Never a request outside a listed container, or for a blob that is not this chunk's in ACS's layout, whatever the
   * queue message says (the parser checked it too; this archiver may be handed a message by other code).
   */
  private checkLocation(message: ChunkMessage & { byos: ByosLocation }): ByosContainer {
    const rejected = byosLocationProblem(message.byos, this.options.containers, message.documentId);
    const container = containerOfLocation(message.byos, this.options.containers);
    if (rejected || !container)
      throw new DownloadUrlRejectedError(
        rejected?.field ?? "byos",
        rejected?.problem ?? "is not in a BYOS_STORAGE_ACCOUNTS container",
      );
    return container;
  }

  private async copyMetadata(
    url: string,
    archivedName: string,
    identity: Record<string, string>,
  ): Promise<ByosCatalogueRecord["metadata"]> {
    const read = await readSmallBlobVersion(this.options.access.blob(url), MAX_METADATA_READ);
    if (read === undefined)
      throw new TransferInterruptedError(`the BYOS metadata document ${url} does not exist (yet).`);
    const body = read.bytes;
    try {
      await this.options.container.getBlockBlobClient(archivedName).upload(body, body.length, {
        blobHTTPHeaders: { blobContentType: "application/json" },
        metadata: { ...identity, bytecount: String(body.length) },
        conditions: { ifNoneMatch: "*" },
        abortSignal: storageSignal(),
      });
    } catch (error) {
      if (!isAlreadyThere(error)) throw error;
    }
    return { url, bytes: body.length, archivedBlob: archivedName, ...(read.etag ? { etag: read.etag } : {}) };
  }
}

async function sourceProperties(
  request: Promise<BlobGetPropertiesResponse>,
  url: string,
): Promise<BlobGetPropertiesResponse> {
  try {
    return await request;
  } catch (error) {
    if (isNotFound(error))
      throw new TransferInterruptedError(`the BYOS blob ${url} does not exist (yet).`, { cause: error });
    throw error;
  }
}
