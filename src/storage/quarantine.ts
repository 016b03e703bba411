import { createHash } from "node:crypto";
import { isAlreadyThere } from "../shared/errorKinds";
import type { ContainerClient } from "@azure/storage-blob";
import { pathSegment } from "../layout/blobLayout";
import { ensureOnce } from "./ensureOnce";
import { storageFailure, storageSignal } from "./storageDeadline";
import type { AbortOptions } from "../shared/cancellation";

interface RejectionReason {
  readonly code: string;
  readonly message: string;
  /** JSON path of the offending value, when one field is to blame. */
  readonly field?: string;
}

/** What was rejected and why; stored as one JSON blob so an operator can inspect and replay it. */
export interface RejectedInput {
  readonly reason: RejectionReason;
  readonly eventId?: string;
  readonly eventType?: string;
  readonly source?: string;
  /** How it arrived: "webhook" or "eventGridTrigger" (and the schema), for replay. */
  readonly receivedVia: string;
  /** The event exactly as received (parsed JSON), or the raw body text when it was not JSON. */
  readonly input: unknown;
}

/** One rejected element of a delivery kept as a batch: where it was and why (its input is in the batch's `input`). */
interface BatchRejection {
  readonly position: number;
  readonly reason: RejectionReason;
  readonly eventId?: string;
}

/**
 * Many rejected elements of one delivery, kept as ONE record: `input[i]` is the element at
 * `rejections[i].position`, exactly as received (the command line's `archive --event` replays `input`).
 */
export interface RejectedBatch {
  readonly reason: RejectionReason;
  readonly receivedVia: string;
  readonly rejections: readonly BatchRejection[];
  readonly input: readonly unknown[];
}

export type QuarantineRecord = RejectedInput | RejectedBatch;

/**
 * The `rejected-events` container. Names depend on the content only (never on the time), so a
 * redelivery of the same input lands on the same blob, and an identical blob already there counts as
 * kept: `events/<eventId>-<hash>.json` for one rejected event or body (`no-event-id` when it had no id),
 * `deliveries/<hash>.json` for the rejected elements of one delivery kept together.
 */
export class Quarantine {
  private readonly ensureContainer: (options?: AbortOptions) => Promise<void>;

  constructor(private readonly container: ContainerClient) {
    this.ensureContainer = ensureOnce(async (signal) => {
      await container.createIfNotExists({ abortSignal: signal });
    });
  }

  get containerName(): string {
    return this.container.containerName;
  }

  /** Stores the record (unless an identical one is there); returns `<container>/<blob name>`. Throws StorageUnavailableError. */
  async keep(
    record: QuarantineRecord,
    { abortSignal: signal, now = new Date() }: AbortOptions & { now?: Date } = {},
  ): Promise<string> {
    const content = storableJson(record);
    const blobName = quarantineBlobName(record, content);
    const body = `{"rejectedAt":${JSON.stringify(now.toISOString())},${content.slice(1)}`;
    try {
      await this.ensureContainer({ abortSignal: signal });
      await this.container.getBlockBlobClient(blobName).upload(body, Buffer.byteLength(body), {
        blobHTTPHeaders: { blobContentType: "application/json" },
        conditions: { ifNoneMatch: "*" },
        abortSignal: storageSignal(signal),
      });
    } catch (error) {
      if (!isAlreadyThere(error)) {
        throw storageFailure(`Could not quarantine rejected input in ${this.container.containerName}`, error);
      }
      // Already kept by an earlier delivery of the same content.
    }
    return `${this.container.containerName}/${blobName}`;
  }
}

/** The blob name of a record: a function of its content (reason, origin, input), never of the time. */
function quarantineBlobName(record: QuarantineRecord, content: string): string {
  const digest = createHash("sha256").update(content).digest("hex").slice(0, 32);
  if ("rejections" in record) return `deliveries/${digest}.json`;
  return `events/${record.eventId === undefined ? "no-event-id" : pathSegment(record.eventId)}-${digest}.json`;
}

/**
 * The record as JSON. Input that cannot be written as JSON (nested deeper than JSON.stringify goes; the
 * webhook refuses such bodies, so only another caller can bring one) is replaced by a note rather than
 * turning a bad input into a Storage failure that Event Grid would retry for a day.
 */
function storableJson(record: QuarantineRecord): string {
  try {
    return JSON.stringify(record);
  } catch {
    return JSON.stringify({ ...record, input: "(not stored: the input nests too deeply to be written as JSON)" });
  }
}
