import type { TokenCredential } from "@azure/core-auth";
import type * as Identity from "@azure/identity";
import {
  BlobClient,
  BlobSASPermissions,
  BlobServiceClient,
  generateBlobSASQueryParameters,
  StorageSharedKeyCredential,
  type HttpAuthorization,
} from "@azure/storage-blob";
import type { StorageConnection } from "../config/storageConnection";
import { credentialFor, STORAGE_RETRY } from "../storage/storageClients";

const STORAGE_SCOPE = "https://storage.azure.com/.default";
/** Lifetime of the read-only SAS a shared-key setup hands a server-side copy (never logged, never stored). */
const COPY_SAS_MINUTES = 30;

/** How the app reaches blobs in a BYOS account, and authorizes Storage to read them for a server-side copy. */
export interface ByosAccess {
  blob(url: string): BlobClient;
  /** What a Copy-Blob-from-URL request needs to read the source: a Bearer token (Entra), or a short read-only SAS URL. */
  copySource(blob: BlobClient): Promise<{ readonly url: string; readonly authorization?: HttpAuthorization }>;
}

/**
 * The app's own identity for BYOS accounts (no ACS HMAC ever): its Entra credential when the archive
 * is reached by identity (or the account is another one than a connection string names); the
 * connection string's shared key only for blobs in that very account (Azurite, single-account setups).
 */
export function byosAccess(storage: StorageConnection): ByosAccess {
  const shared = sharedKeyOf(storage);
  let entra: TokenCredential | undefined;
  const entraCredential = (): TokenCredential =>
    (entra ??= storage.kind === "identity" ? credentialFor(storage) : defaultCredential());
  const usesSharedKey = (url: string): boolean =>
    shared !== undefined && url.toLowerCase().startsWith(`${shared.endpoint}/`);
  return {
    blob(url) {
      const credential = usesSharedKey(url) && shared ? shared.credential : entraCredential();
      return new BlobClient(url, credential, { retryOptions: STORAGE_RETRY });
    },
    async copySource(blob) {
      if (usesSharedKey(blob.url) && shared) {
        const sas = generateBlobSASQueryParameters(
          {
            containerName: blob.containerName,
            blobName: blob.name,
            permissions: BlobSASPermissions.parse("r"),
            expiresOn: new Date(Date.now() + COPY_SAS_MINUTES * 60_000),
          },
          shared.credential,
        ).toString();
        return { url: `${blob.url}?${sas}` };
      }
      const token = await entraCredential().getToken(STORAGE_SCOPE);
      if (!token) throw new Error("The app's identity returned no token for Storage.");
      return { url: blob.url, authorization: { scheme: "Bearer", value: token.token } };
    },
  };
}

function sharedKeyOf(
  storage: StorageConnection,
): { endpoint: string; credential: StorageSharedKeyCredential } | undefined {
  if (storage.kind !== "connectionString") return undefined;
  const parts = new Map(
    storage.connectionString
      .split(";")
      .map((part) => part.split(/=(.*)/s).map((piece) => piece.trim()))
      .filter((pair): pair is [string, string] => pair.length >= 2 && pair[0] !== "")
      .map(([key, value]) => [key.toLowerCase(), value] as const),
  );
  const name = parts.get("accountname");
  const key = parts.get("accountkey");
  if (!name || !key) return undefined;
  // The SDK derives the blob endpoint (BlobEndpoint, or protocol + account + EndpointSuffix) as it does for the archive.
  const endpoint = BlobServiceClient.fromConnectionString(storage.connectionString).url;
  return {
    endpoint: endpoint.replace(/\/+$/, "").toLowerCase(),
    credential: new StorageSharedKeyCredential(name, key),
  };
}

/** Loaded on first use only: @azure/identity is large, and a connection-string setup may never need it. */
function defaultCredential(): TokenCredential {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- deferred load, see above
  const { DefaultAzureCredential } = require("@azure/identity") as typeof Identity;
  return new DefaultAzureCredential();
}
