import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import type { ContainerClient } from "@azure/storage-blob";
import { FAILURES_PREFIX } from "../archive/failureRecords";
import { describeError } from "../errors";
import { readBounded } from "../shared/bodyReading";
import { storageSignal } from "../storage/storageDeadline";
import { isRecord } from "../shared/untrustedJson";
import { UsageError } from "./usageError";
import { isNotFound } from "../shared/errorKinds";

const MAX_RECORD_BYTES = 1024 * 1024;

export interface FailureRecordInput {
  /** `<container>/archive-failures/...` or the local file's path. */
  readonly name: string;
  /** The chunk message the record holds (still to be validated). */
  readonly message: unknown;
}

/**
 * Reads an `archive-failures/` outcome record from a local file or from the recordings container
 * (`archive-failures/...`, optionally prefixed with the container name). Throws UsageError.
 */
export async function readFailureRecord(
  source: string,
  recordings: ContainerClient,
  cwd: string,
): Promise<FailureRecordInput> {
  const local = resolve(cwd, source);
  const fromFile = existsSync(local);
  const containerPrefix = `${recordings.containerName}/`;
  const blobName = source.startsWith(containerPrefix) ? source.slice(containerPrefix.length) : source;
  if (!fromFile && !blobName.startsWith(FAILURES_PREFIX)) {
    throw new UsageError(
      `--failure ${source} is neither a local file nor a blob name under ${FAILURES_PREFIX} in container ${recordings.containerName}.`,
    );
  }
  const text = fromFile ? await readFile(local, "utf8") : await downloadText(recordings, blobName);
  let record: unknown;
  try {
    record = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${source} is not JSON: ${(error as Error).message}`, { cause: error });
  }
  if (!isRecord(record) || record["message"] === undefined)
    throw new UsageError(`${source} is not a failure record: it holds no "message".`);
  return { name: fromFile ? local : `${recordings.containerName}/${blobName}`, message: record["message"] };
}

async function downloadText(container: ContainerClient, name: string): Promise<string> {
  try {
    const download = await container.getBlobClient(name).download(0, undefined, { abortSignal: storageSignal() });
    if (!download.readableStreamBody) return "";
    const { bytes, complete } = await readBounded(download.readableStreamBody, MAX_RECORD_BYTES, {
      idleTimeoutMs: 30_000,
    });
    if (!complete) throw new UsageError(`${name} is larger than a failure record can be.`);
    return bytes.toString("utf8");
  } catch (error) {
    if (error instanceof UsageError) throw error;
    if (isNotFound(error))
      throw new UsageError(`there is no failure record ${container.containerName}/${name}.`, { cause: error });
    throw new Error(`Could not read ${container.containerName}/${name}: ${describeError(error)}`, { cause: error });
  }
}
