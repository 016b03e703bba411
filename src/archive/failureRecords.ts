import { createHash } from "node:crypto";
import type { ContainerClient } from "@azure/storage-blob";
import { safeUrl } from "../acs/acsRecordingClient";
import { describeError, isArchiverError, StorageUnavailableError } from "../errors";
import type { ChunkMessage } from "../queue/chunkMessage";
import { storageSignal } from "../storage/storageDeadline";
import { callKey, OPERATIONAL_PREFIXES, pathSegment } from "../layout/blobLayout";
import { httpStatusOf, isAlreadyThere } from "../shared/errorKinds";

export const FAILURES_PREFIX = OPERATIONAL_PREFIXES.failures;

export type FailureOutcome = "failed" | "expired" | "rejected" | "retriesExhausted" | "unverifiable";

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
 * and the time. One record per chunk and outcome: the name is stable (the chunk, the outcome and its
 * deadline; a hash of the input for unreadable messages) and a record is never overwritten, so
 * redeliveries and retries near the deadline do not multiply records. Secret-free: errors carry no
 * keys or signatures, and location URLs are stored without their query strings.
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
        message: withoutQueryStrings(describeError(error)),
      },
      httpStatus: httpStatusOf(error),
      dequeueCount: record.dequeueCount,
      message: withoutQueryStrings(message ?? record.rawMessage),
    };
    const name = recordName(record);
    const text = JSON.stringify(body, null, 2);
    try {
      await this.container.createIfNotExists({ abortSignal: storageSignal() });
      await this.container.getBlockBlobClient(name).upload(text, Buffer.byteLength(text), {
        blobHTTPHeaders: { blobContentType: "application/json" },
        conditions: { ifNoneMatch: "*" },
        abortSignal: storageSignal(),
      });
    } catch (storageError) {
      // 409/412: this chunk's record for this outcome exists already (the first one is kept).
      if (!isAlreadyThere(storageError)) {
        throw new StorageUnavailableError(
          `Could not write the failure record ${name}: ${describeError(storageError)}`,
          { cause: storageError },
        );
      }
    }
    return `${this.container.containerName}/${name}`;
  }
}

function recordName(record: FailureRecord): string {
  const { message } = record;
  if (!message) {
    const digest = createHash("sha256")
      .update(JSON.stringify(record.rawMessage ?? null) ?? "undefined")
      .digest("hex")
      .slice(0, 24);
    return `${FAILURES_PREFIX}unreadable/unreadable-message-${record.outcome}-${digest}.json`;
  }
  const deadline = Date.parse(message.deadline);
  const day = Number.isNaN(deadline) ? "no-deadline" : new Date(deadline).toISOString().slice(0, 10);
  const who = `${pathSegment(callKey(message))}-${message.index}-${pathSegment(message.documentId)}`;
  return `${FAILURES_PREFIX}${day}/${who}-${record.outcome}-${Number.isNaN(deadline) ? 0 : deadline}.json`;
}

/** A copy of a value with every http(s) URL in its strings cut to origin and path (query strings may hold tokens). */
function withoutQueryStrings(value: unknown): unknown {
  if (typeof value === "string") return value.replace(/https?:\/\/[^\s"'<>]+/gi, (url) => safeUrl(url));
  if (Array.isArray(value)) return value.map(withoutQueryStrings);
  if (value && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, withoutQueryStrings(inner)]));
  return value;
}
