import type { ContainerClient } from "@azure/storage-blob";
import { AcsHttpError, describeError, isArchiverError, StorageUnavailableError } from "../errors";
import type { ChunkMessage } from "../events/chunkMessage";
import { callKey, OPERATIONAL_PREFIXES, pathSegment } from "./blobLayout";

export const FAILURES_PREFIX = OPERATIONAL_PREFIXES.failures;

export type FailureOutcome = "failed" | "expired" | "rejected" | "retriesExhausted";

export interface FailureRecord {
  readonly outcome: FailureOutcome;
  readonly error: unknown;
  /** The parsed message when it parsed, else the raw queue input. */
  readonly message?: ChunkMessage;
  readonly rawMessage?: unknown;
  readonly dequeueCount?: number;
}

/**
 * Outcome records for chunks that could not be archived: one JSON blob under `archive-failures/` in
 * the recordings container, with the message (so it can be replayed), the reason, the HTTP status
 * and the time. Secret-free: errors carry no keys, signatures or query strings.
 */
export class FailureRecords {
  constructor(private readonly container: ContainerClient) {}

  async record(record: FailureRecord, now = new Date()): Promise<string> {
    const { error, message } = record;
    const body = {
      outcome: record.outcome,
      recordedAt: now.toISOString(),
      chunkKey: message?.chunkKey,
      deadline: message?.deadline,
      reason: {
        code: isArchiverError(error) ? error.code : "Unexpected",
        name: error instanceof Error ? error.name : typeof error,
        message: describeError(error),
      },
      httpStatus: error instanceof AcsHttpError ? error.status : (error as { statusCode?: number } | undefined)?.statusCode,
      dequeueCount: record.dequeueCount,
      message: message ?? record.rawMessage,
    };
    const who = message ? `${pathSegment(callKey(message))}-${message.index}-${pathSegment(message.documentId)}` : "unreadable-message";
    const name = `${FAILURES_PREFIX}${now.toISOString().slice(0, 10)}/${who}-${record.outcome}-${now.getTime()}.json`;
    const text = JSON.stringify(body, null, 2);
    try {
      await this.container.createIfNotExists();
      await this.container.getBlockBlobClient(name).upload(text, Buffer.byteLength(text), { blobHTTPHeaders: { blobContentType: "application/json" } });
    } catch (storageError) {
      throw new StorageUnavailableError(`Could not write the failure record ${name}: ${describeError(storageError)}`, { cause: storageError });
    }
    return `${this.container.containerName}/${name}`;
  }
}
