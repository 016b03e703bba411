import { InvalidChunkMessageError } from "../errors";
import { isRecord } from "../shared/untrustedJson";

/** Where ACS put a bring-your-own-storage chunk: blobs in the customer's account (no SAS, no query). */
export interface ByosLocation {
  /** The BYOS_STORAGE_ACCOUNTS entry (blob endpoint origin) the blobs are in. */
  readonly account: string;
  readonly contentBlob: string;
  readonly metadataBlob?: string;
  /** `data.storageType` as the event gave it (e.g. "AzureBlob"). */
  readonly storageType?: string;
}

/** A storage account's blob endpoint in any cloud (`<account>.blob.<cloud suffix>`, public, sovereign or Stack). */
const BLOB_HOST = /^[a-z0-9]{3,24}\.blob\./;

export type AccountMatch = { readonly listed: string } | { readonly unlisted: string } | undefined;

/**
 * Which storage account a chunk URL is in: a BYOS_STORAGE_ACCOUNTS entry (`listed`), some other
 * blob endpoint (`unlisted`: quarantined), or neither (an ACS download URL: undefined).
 */
export function accountOf(text: string, accounts: readonly string[]): AccountMatch {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return undefined;
  }
  const lower = `${url.origin}${url.pathname}`.toLowerCase();
  const listed = accounts.find((account) => lower.startsWith(`${account}/`));
  if (listed)
    return url.search === "" && url.username === "" && url.password === ""
      ? { listed }
      : { unlisted: `${url.origin} (a URL with a query or user information)` };
  if (BLOB_HOST.test(url.hostname.toLowerCase())) return { unlisted: url.origin };
  return undefined;
}

/** Reads the `byos` field of a queue message (it is input too); undefined when absent. */
export function parseByosLocation(value: unknown): ByosLocation | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isRecord(value)) throw new InvalidChunkMessageError("byos", "must be an object.");
  const text = (field: string, required: boolean): string | undefined => {
    const item = value[field];
    if (item === undefined && !required) return undefined;
    if (typeof item !== "string" || item === "" || item.length > 2048) throw new InvalidChunkMessageError(`byos.${field}`, "must be a non-empty string.");
    return item;
  };
  const metadataBlob = text("metadataBlob", false);
  const storageType = text("storageType", false);
  return {
    account: text("account", true) as string,
    contentBlob: text("contentBlob", true) as string,
    ...(metadataBlob ? { metadataBlob } : {}),
    ...(storageType ? { storageType } : {}),
  };
}
