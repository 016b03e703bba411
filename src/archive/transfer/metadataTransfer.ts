import type { BlockBlobClient } from "@azure/storage-blob";
import type { AcsRecordingClient } from "../../acs/acsRecordingClient";
import { AcsHttpError, TransferInterruptedError, UnverifiableSourceError } from "../../errors";
import { readBounded } from "../../shared/bodyReading";
import { storageSignal } from "../../storage/storageDeadline";
import { parseContentRange } from "./blockPlan";
import type { Log } from "../../shared/log";
import { withRetries, type RetryPolicy } from "../retryPolicy";
import { isAlreadyThere } from "../../shared/errorKinds";

/** Metadata documents are a few KiB; anything near this is not a metadata document. */
const MAX_METADATA_BYTES = 4 * 1024 * 1024;

export interface MetadataContext {
  readonly acs: AcsRecordingClient;
  readonly blob: BlockBlobClient;
  readonly url: string;
  readonly field: string;
  readonly retry: RetryPolicy;
  /** The same idle timeout as media: a body that sends nothing this long is dropped and retried. */
  readonly idleTimeoutMs: number;
  readonly deadlinePassed: () => boolean;
  readonly abortSignal: AbortSignal;
  readonly log: Log;
  readonly blobMetadata: Record<string, string>;
  /**
   * The blob may be there already (a redelivery): look first and download nothing when it is. Otherwise the
   * download starts at once, and the write's `If-None-Match: *` finds a blob stored meanwhile.
   */
  readonly mayExist: boolean;
}

export interface MetadataResult {
  readonly bytes: number;
  readonly validJson: boolean;
  readonly alreadyArchived: boolean;
  /** The bytes stored by this call (absent when the blob was there already). */
  readonly document?: Buffer;
}

/**
 * Downloads the chunk's metadata JSON and stores the bytes exactly as served (field types vary in
 * practice, so nothing is re-serialised). A body that does not parse is still kept, flagged, and
 * logged. Never overwrites an existing blob.
 */
export async function transferMetadata(context: MetadataContext): Promise<MetadataResult> {
  if (context.mayExist && (await context.blob.exists({ abortSignal: storageSignal(context.abortSignal) })))
    return { bytes: 0, validJson: true, alreadyArchived: true };
  const body = await withRetries(() => downloadSmall(context), {
    policy: context.retry,
    deadlinePassed: context.deadlinePassed,
    abortSignal: context.abortSignal,
    onRetry: (error, delay) =>
      context.log.warn(
        `Downloading metadata for ${context.blob.name} failed (${error instanceof Error ? error.message : String(error)}); retrying in ${Math.round(delay)} ms.`,
      ),
  });
  let validJson = true;
  try {
    JSON.parse(body.toString("utf8").replace(/^\uFEFF/, ""));
  } catch {
    validJson = false;
    context.log.warn(
      `The metadata of ${context.blob.name} is not valid JSON; it is stored as served and flagged jsonvalid=false.`,
    );
  }
  try {
    await context.blob.upload(body, body.length, {
      blobHTTPHeaders: { blobContentType: "application/json" },
      metadata: { ...context.blobMetadata, bytecount: String(body.length), jsonvalid: String(validJson) },
      conditions: { ifNoneMatch: "*" },
      abortSignal: storageSignal(context.abortSignal),
    });
  } catch (error) {
    if (isAlreadyThere(error)) return { bytes: body.length, validJson, alreadyArchived: true };
    throw error;
  }
  return { bytes: body.length, validJson, alreadyArchived: false, document: body };
}

/**
 * One GET of the metadata, bounded in size and time. Its end must be provable: a declared length
 * (Content-Length, or the Content-Range total the service sends even on 200) that the body matches,
 * or chunked framing (whose terminator arrived). A close-delimited body without either is unverifiable.
 */
async function downloadSmall(context: MetadataContext): Promise<Buffer> {
  const response = await context.acs.get(context.url, { field: context.field, abortSignal: context.abortSignal });
  if (!response.body) throw new AcsHttpError(response.status, "GET metadata", "no body");
  const lengthHeader = response.headers.get("content-length");
  const declared =
    lengthHeader !== undefined && /^\d+$/.test(lengthHeader.trim())
      ? Number(lengthHeader)
      : parseContentRange(response.headers.get("content-range"))?.total;
  const chunked = /\bchunked\b/i.test(response.headers.get("transfer-encoding") ?? "");
  if (declared !== undefined && declared > MAX_METADATA_BYTES) {
    response.body.resume();
    throw new AcsHttpError(response.status, "GET metadata", `declares ${declared} bytes; metadata documents are small`);
  }
  const { bytes, complete } = await readBounded(response.body, MAX_METADATA_BYTES, {
    idleTimeoutMs: context.idleTimeoutMs,
    abortSignal: context.abortSignal,
  });
  if (!complete) throw new AcsHttpError(response.status, "GET metadata", `is larger than ${MAX_METADATA_BYTES} bytes`);
  if (declared !== undefined && bytes.length !== declared)
    throw new TransferInterruptedError(`the metadata body ended after ${bytes.length} of ${declared} bytes`);
  if (declared === undefined && !chunked)
    throw new UnverifiableSourceError(
      "the metadata answer has no Content-Length, Content-Range or chunked framing: its end cannot be told from a dropped connection",
    );
  return bytes;
}
