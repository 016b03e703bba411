import type { ContainerClient } from "@azure/storage-blob";
import { compactUtc, OPERATIONAL_PREFIXES } from "../layout/blobLayout";
import { writeJsonOnce } from "../catalog/boundedReads";
import { describeError } from "../errors";
import { ensureOnce } from "../storage/ensureOnce";
import { storageSignal } from "../storage/storageDeadline";

/** The receipt's last blob: the summary, written once the erasure has finished (complete or not). */
const SUMMARY = "receipt.json";

/**
 * An erasure receipt written as the erasure proceeds, so that a crash leaves a record of what was done: a folder
 * `participant-erasures/<date>/<start time>-<keyed hash prefix>/` in the archive container with one write-once blob
 * per step (`000000-started.json`, then one per chunk and per recording's records, in order) and `receipt.json` at
 * the end. Every blob is new (`If-None-Match: *`), never an overwrite or an append: it works in a container under a
 * time-based retention (WORM) policy or legal hold, where append blobs need a policy setting and overwrites are
 * refused. A folder without `receipt.json` is an erasure that did not finish. The participant appears only as its
 * keyed hash.
 */
export class ErasureReceipt {
  /** `participant-erasures/<date>/<start>-<prefix>/` */
  readonly folder: string;
  private steps = 0;
  private readonly ready: () => Promise<void>;

  constructor(
    private readonly container: ContainerClient,
    participant: string,
    startedAt: string,
  ) {
    this.folder = `${OPERATIONAL_PREFIXES.erasures}${startedAt.slice(0, 10)}/${compactUtc(startedAt)}-${participant.slice(0, 16)}/`;
    this.ready = ensureOnce(async () => {
      await container.createIfNotExists({ abortSignal: storageSignal() });
    });
  }

  /** `<container>/<folder>`: where an operator finds the receipt. */
  get location(): string {
    return `${this.container.containerName}/${this.folder}`;
  }

  /** Writes the next step; throws when it cannot (the erasure stops rather than go on unrecorded). */
  async step(kind: "started" | "chunk" | "recordingRecords", body: object): Promise<void> {
    const name = `${this.folder}${String(this.steps).padStart(6, "0")}-${kind}.json`;
    this.steps += 1;
    await this.writeOnce(name, { kind: `participantErasure.${kind}`, ...body });
  }

  /** Writes `receipt.json`, the summary; returns its `<container>/<name>`. */
  async finish(summary: object): Promise<string> {
    await this.writeOnce(`${this.folder}${SUMMARY}`, { kind: "participantErasure", ...summary });
    return `${this.container.containerName}/${this.folder}${SUMMARY}`;
  }

  private async writeOnce(name: string, body: object): Promise<void> {
    let written: boolean;
    try {
      await this.ready();
      written = await writeJsonOnce(this.container, name, JSON.stringify(body, null, 2));
    } catch (error) {
      throw new ReceiptWriteError(
        `Could not write the erasure receipt step ${this.container.containerName}/${name} (${describeError(error)}); the erasure stops here.`,
        {
          cause: error,
        },
      );
    }
    if (!written)
      throw new ReceiptWriteError(
        `The erasure receipt step ${this.container.containerName}/${name} exists already; the erasure stops here.`,
      );
  }
}

/** A receipt step could not be written: the erasure stops rather than go on unrecorded. */
export class ReceiptWriteError extends Error {
  override readonly name = "ReceiptWriteError";
}
