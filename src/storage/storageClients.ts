import type { TokenCredential } from "@azure/core-auth";
import type * as Identity from "@azure/identity";
import { BlobServiceClient, type StorageRetryOptions } from "@azure/storage-blob";
import { QueueServiceClient } from "@azure/storage-queue";
import { ConfigError } from "../errors";
import type { StorageConnection } from "../config/storageConnection";

/**
 * Retries bounded so that a Storage outage is reported within a few seconds: intake must answer
 * Event Grid within 30 s, and Event Grid's own retries (up to 24 h) do the long waiting. These tries
 * all happen inside one call's client-side deadline (storageSignal, STORAGE_CALL_TIMEOUT_MS): a call
 * is over after 3 tries or 8 s, whichever comes first. `tryTimeoutInMs` is only the service's
 * `timeout=` parameter; it does not end a call that hangs.
 */
export const STORAGE_RETRY: StorageRetryOptions = {
  maxTries: 3,
  retryDelayInMs: 200,
  maxRetryDelayInMs: 2_000,
  tryTimeoutInMs: 30_000,
};

export function credentialFor(connection: Extract<StorageConnection, { kind: "identity" }>): TokenCredential {
  // Loaded only for identity-based connections: a connection string never needs this (large) SDK.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- deferred load, see above
  const { DefaultAzureCredential, ManagedIdentityCredential } = require("@azure/identity") as typeof Identity;
  if (connection.managedIdentity)
    return new ManagedIdentityCredential(connection.clientId ? { clientId: connection.clientId } : {});
  return new DefaultAzureCredential(connection.clientId ? { managedIdentityClientId: connection.clientId } : {});
}

export function createQueueServiceClient(
  connection: StorageConnection,
  options: { retryOptions?: StorageRetryOptions } = {},
): QueueServiceClient {
  const pipelineOptions = { retryOptions: STORAGE_RETRY, ...options };
  if (connection.kind === "connectionString")
    return QueueServiceClient.fromConnectionString(connection.connectionString, pipelineOptions);
  if (!connection.queueServiceUri)
    throw new ConfigError(`${connection.setting}__queueServiceUri`, "is required for the chunk queue.");
  return new QueueServiceClient(connection.queueServiceUri, credentialFor(connection), pipelineOptions);
}

export function createBlobServiceClient(
  connection: StorageConnection,
  options: { retryOptions?: StorageRetryOptions } = {},
): BlobServiceClient {
  const pipelineOptions = { retryOptions: STORAGE_RETRY, ...options };
  if (connection.kind === "connectionString")
    return BlobServiceClient.fromConnectionString(connection.connectionString, pipelineOptions);
  if (!connection.blobServiceUri)
    throw new ConfigError(`${connection.setting}__blobServiceUri`, "is required for blob storage.");
  return new BlobServiceClient(connection.blobServiceUri, credentialFor(connection), pipelineOptions);
}
