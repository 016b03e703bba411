import type { BlockBlobClient } from "@azure/storage-blob";
import type { AcsRecordingClient } from "../acs/acsRecordingClient";
import { AcsHttpError, TransferInterruptedError } from "../errors";
import type { Log } from "../shared/log";
import { withRetries, type RetryPolicy } from "./retryPolicy";

/** Metadata documents are a few KiB; anything near this is not a metadata document. */
const MAX_METADATA_BYTES = 8 * 1024 * 1024;

export interface MetadataContext {
  readonly acs: AcsRecordingClient;
  readonly blob: BlockBlobClient;
  readonly url: string;
  readonly field: string;
  readonly retry: RetryPolicy;
  readonly deadlinePassed: () => boolean;
  readonly signal: AbortSignal;
  readonly log: Log;
  readonly blobMetadata: Record<string, string>;
}

export interface MetadataResult {
  readonly bytes: number;
  readonly validJson: boolean;
  readonly alreadyArchived: boolean;
}

/**
 * Downloads the chunk's metadata JSON and stores the bytes exactly as served (field types vary in
 * practice, so nothing is re-serialised). A body that does not parse is still kept, flagged, and
 * logged. Never overwrites an existing blob.
 */
export async function transferMetadata(context: MetadataContext): Promise<MetadataResult> {
  if (await context.blob.exists({ abortSignal: context.signal })) return { bytes: 0, validJson: true, alreadyArchived: true };
  const body = await withRetries(() => downloadSmall(context), {
    policy: context.retry,
    deadlinePassed: context.deadlinePassed,
    signal: context.signal,
    onRetry: (error, delay) => context.log.warn(`Downloading metadata for ${context.blob.name} failed (${(error as Error).message}); retrying in ${Math.round(delay)} ms.`),
  });
  let validJson = true;
  try {
    JSON.parse(body.toString("utf8").replace(/^\uFEFF/, ""));
  } catch {
    validJson = false;
    context.log.warn(`The metadata of ${context.blob.name} is not valid JSON; it is stored as served and flagged jsonvalid=false.`);
  }
  try {
    await context.blob.upload(body, body.length, {
      blobHTTPHeaders: { blobContentType: "application/json" },
      metadata: { ...context.blobMetadata, bytecount: String(body.length), jsonvalid: String(validJson) },
      conditions: { ifNoneMatch: "*" },
      abortSignal: context.signal,
    });
  } catch (error) {
    const status = (error as { statusCode?: number }).statusCode;
    if (status === 409 || status === 412) return { bytes: body.length, validJson, alreadyArchived: true };
    throw error;
  }
  return { bytes: body.length, validJson, alreadyArchived: false };
}

async function downloadSmall(context: MetadataContext): Promise<Buffer> {
  const response = await context.acs.get(context.url, { field: context.field, abortSignal: context.signal });
  if (!response.body) throw new AcsHttpError(response.status, "GET metadata", "no body");
  const declared = Number(response.headers.get("content-length") ?? Number.NaN);
  if (declared > MAX_METADATA_BYTES) {
    response.body.resume();
    throw new AcsHttpError(response.status, "GET metadata", `declares ${declared} bytes; metadata documents are small`);
  }
  const pieces: Buffer[] = [];
  let size = 0;
  try {
    for await (const piece of response.body as AsyncIterable<Buffer>) {
      size += piece.length;
      if (size > MAX_METADATA_BYTES) throw new AcsHttpError(response.status, "GET metadata", `is larger than ${MAX_METADATA_BYTES} bytes`);
      pieces.push(piece);
    }
  } catch (error) {
    if (error instanceof AcsHttpError) throw error;
    throw new TransferInterruptedError(`the metadata body broke: ${(error as Error).message}`, { cause: error });
  }
  if (!Number.isNaN(declared) && size !== declared) throw new TransferInterruptedError(`the metadata body ended after ${size} of ${declared} bytes`);
  return Buffer.concat(pieces, size);
}
