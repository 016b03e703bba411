import { createHash } from "node:crypto";
import type { ContainerClient } from "@azure/storage-blob";
import { describeError, StorageUnavailableError } from "../errors";
import { ensureOnce } from "./ensureOnce";

/** What was rejected and why; stored as one JSON blob so an operator can inspect and replay it. */
export interface RejectedInput {
  readonly reason: { readonly code: string; readonly message: string; readonly field?: string };
  readonly eventId?: string;
  readonly eventType?: string;
  readonly source?: string;
  /** How it arrived: "webhook" or "eventGridTrigger" (and the schema), for replay. */
  readonly receivedVia: string;
  /** The event exactly as received (parsed JSON), or the raw body text when it was not JSON. */
  readonly input: unknown;
}

/** The `rejected-events` container: one blob per rejected event, named by date and event id. */
export class Quarantine {
  private readonly ensureContainer: () => Promise<void>;

  constructor(private readonly container: ContainerClient) {
    this.ensureContainer = ensureOnce(async () => {
      await container.createIfNotExists();
    });
  }

  get containerName(): string {
    return this.container.containerName;
  }

  /** Stores the rejected input; returns `<container>/<blob name>`. Throws StorageUnavailableError. */
  async keep(rejected: RejectedInput, now = new Date()): Promise<string> {
    const body = JSON.stringify({ rejectedAt: now.toISOString(), ...rejected }, null, 2);
    const digest = createHash("sha256").update(body).digest("hex").slice(0, 12);
    const id = (rejected.eventId ?? "no-event-id").replace(/[^A-Za-z0-9._-]/g, "_").slice(0, 100);
    const blobName = `${now.toISOString().slice(0, 10)}/${id}-${digest}.json`;
    try {
      await this.ensureContainer();
      await this.container.getBlockBlobClient(blobName).upload(body, Buffer.byteLength(body), {
        blobHTTPHeaders: { blobContentType: "application/json" },
      });
    } catch (error) {
      throw new StorageUnavailableError(`Could not quarantine rejected input in ${this.container.containerName}: ${describeError(error)}`, { cause: error });
    }
    return `${this.container.containerName}/${blobName}`;
  }
}
