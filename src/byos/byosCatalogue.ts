import type { ContainerClient } from "@azure/storage-blob";
import { isRecord } from "../shared/untrustedJson";
import { readSmallBlob } from "../storage/smallBlob";

const MAX_RECORD_BYTES = 1024 * 1024;

/** A blob in the customer's BYOS account that a catalogue record names. */
export interface ByosFile {
  readonly url: string;
  readonly kind: "media" | "metadata";
  readonly bytes: number;
  /** base64 Content-MD5 the source had when it was catalogued. */
  readonly md5?: string;
  /** ETag the source had when it was catalogued: erasure deletes the blob only while it still has it. */
  readonly etag?: string;
  /** The documentId of the chunk the catalogue record describes. */
  readonly documentId?: string;
  /** The catalogue record (blob name in the archive) naming it. */
  readonly record: string;
}

/**
 * The customer's own blobs behind catalogue records (`*.byos.json`): media and metadata document
 * URLs, only in accounts listed in BYOS_STORAGE_ACCOUNTS. Unreadable records name nothing.
 */
export async function byosFilesOf(recordings: ContainerClient, records: readonly string[], accounts: readonly string[]): Promise<ByosFile[]> {
  const found: ByosFile[] = [];
  for (const record of records) {
    const body = await readSmallBlob(recordings.getBlobClient(record), MAX_RECORD_BYTES);
    let parsed: unknown;
    try {
      parsed = body === undefined ? undefined : JSON.parse(body.toString("utf8"));
    } catch {
      continue;
    }
    if (!isRecord(parsed) || typeof parsed["account"] !== "string" || !accounts.includes(parsed["account"])) continue;
    const account = parsed["account"];
    for (const kind of ["media", "metadata"] as const) {
      const entry = parsed[kind];
      if (!isRecord(entry) || typeof entry["url"] !== "string" || !entry["url"].toLowerCase().startsWith(`${account}/`)) continue;
      const md5 = entry["contentMD5"];
      const etag = entry["etag"];
      const documentId = parsed["documentId"];
      found.push({
        url: entry["url"],
        kind,
        bytes: typeof entry["bytes"] === "number" ? entry["bytes"] : 0,
        ...(typeof md5 === "string" ? { md5 } : {}),
        ...(typeof etag === "string" ? { etag } : {}),
        ...(typeof documentId === "string" ? { documentId } : {}),
        record,
      });
    }
  }
  return found;
}
