import type { ContainerClient } from "@azure/storage-blob";
import type { ByosContainer } from "../config/byosContainers";
import { isRecord } from "../shared/untrustedJson";
import { readSmallBlob } from "../storage/smallBlob";
import { byosBlobProblem, containerOf } from "../queue/byosLocation";

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
 * The customer's own blobs behind catalogue records (`*.byos.json`): media and metadata document URLs, only where
 * intake would have accepted them — in a BYOS_STORAGE_ACCOUNTS container, in ACS's layout, naming the record's own
 * documentId (byosLocation.ts). A record is data written by the app's identity: one naming a blob anywhere else (another
 * container of the account) must never steer an operator's export or erase there. Unreadable records name nothing.
 */
export async function byosFilesOf(
  recordings: ContainerClient,
  records: readonly string[],
  containers: readonly ByosContainer[],
): Promise<ByosFile[]> {
  const found: ByosFile[] = [];
  for (const record of records) {
    const body = await readSmallBlob(recordings.getBlobClient(record), MAX_RECORD_BYTES);
    let parsed: unknown;
    try {
      parsed = body === undefined ? undefined : JSON.parse(body.toString("utf8"));
    } catch {
      continue;
    }
    if (!isRecord(parsed) || typeof parsed["documentId"] !== "string") continue;
    const documentId = parsed["documentId"];
    for (const kind of ["media", "metadata"] as const) {
      const entry = parsed[kind];
      if (!isRecord(entry) || typeof entry["url"] !== "string") continue;
      const match = containerOf(entry["url"], containers);
      if (
        !match ||
        !("listed" in match) ||
        byosBlobProblem(entry["url"], match.listed, documentId, kind === "media" ? "content" : "metadata")
      )
        continue;
      const md5 = entry["contentMD5"];
      const etag = entry["etag"];
      found.push({
        url: entry["url"],
        kind,
        bytes: typeof entry["bytes"] === "number" ? entry["bytes"] : 0,
        ...(typeof md5 === "string" ? { md5 } : {}),
        ...(typeof etag === "string" ? { etag } : {}),
        documentId,
        record,
      });
    }
  }
  return found;
}
