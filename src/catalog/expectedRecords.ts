import type { ContainerClient } from "@azure/storage-blob";
import { chunkBlobNames } from "../archive/blobLayout";
import { describeError, StorageUnavailableError } from "../errors";
import type { ChunkMessage } from "../events/chunkMessage";
import { mapConcurrent } from "../shared/mapConcurrent";
import { isRecord } from "../shared/untrustedJson";
import { ensureOnce } from "../storage/ensureOnce";
import { writeJsonOnce } from "./boundedReads";
import { expectedRecordName } from "./catalogLayout";
import { deadlineMarkers } from "./deadlineMarkers";
import { readRecordingInfo, recordingInfoOf, type RecordingInfo } from "./recordingInfo";

/** One chunk intake queued: what the status API reports as `pending` until it is archived. */
interface ExpectedChunk {
  readonly index: number;
  readonly documentId: string;
  /** eventTime + RETENTION_HOURS: ACS may delete the file after this. */
  readonly deadline: string;
  readonly eventTime: string;
  readonly mediaBlob: string;
  readonly metadataBlob: string;
}

/** `archive-catalog/<call>/<recording>/expected.json`, written once at intake. */
export interface ExpectedRecording extends RecordingInfo {
  readonly schemaVersion: 1;
  readonly recordingFolder: string;
  readonly eventId: string;
  readonly chunks: readonly ExpectedChunk[];
}

/** Expected records stay small: the event allows at most 1,000 chunks of a few hundred bytes. */
export const MAX_EXPECTED_RECORD_BYTES = 1024 * 1024;

function expectedRecordingOf(messages: readonly ChunkMessage[]): ExpectedRecording {
  const first = messages[0] as ChunkMessage;
  return {
    schemaVersion: 1,
    recordingFolder: chunkBlobNames(first).folder,
    eventId: first.eventId,
    ...recordingInfoOf(first),
    // One entry per documentId: a delivery may carry the same event twice.
    chunks: [...new Map(messages.map((message) => [message.documentId, message])).values()]
      .sort((a, b) => a.index - b.index)
      .map((message) => {
        const names = chunkBlobNames(message);
        return {
          index: message.index,
          documentId: message.documentId,
          deadline: message.deadline,
          eventTime: message.eventTime,
          mediaBlob: names.media,
          metadataBlob: names.metadata,
        };
      }),
  };
}

/** Reads an expected record back; undefined when it is not one. */
export function readExpectedRecording(value: unknown): ExpectedRecording | undefined {
  const info = readRecordingInfo(value);
  if (!info || !isRecord(value) || !Array.isArray(value["chunks"]) || typeof value["recordingFolder"] !== "string") return undefined;
  const chunks: ExpectedChunk[] = [];
  for (const chunk of value["chunks"]) {
    if (!isRecord(chunk)) continue;
    const { index, documentId, deadline, eventTime, mediaBlob, metadataBlob } = chunk;
    if (typeof index !== "number" || typeof documentId !== "string" || typeof deadline !== "string") continue;
    chunks.push({
      index,
      documentId,
      deadline,
      eventTime: textOrEmpty(eventTime),
      mediaBlob: textOrEmpty(mediaBlob),
      metadataBlob: textOrEmpty(metadataBlob),
    });
  }
  return { ...info, schemaVersion: 1, recordingFolder: value["recordingFolder"], eventId: textOrEmpty(value["eventId"]), chunks };
}

/** A text field of our own record; anything else (absent, or not text) reads as "". */
function textOrEmpty(value: unknown): string {
  return typeof value === "string" ? value : "";
}

/**
 * The trace intake leaves for the status API: one small JSON blob per recording, named by the
 * recording's folder (stable), and its deadline markers (deadlineMarkers.ts, for the deadline watch), written with
 * `If-None-Match: *` (a redelivered event finds them there: idempotent, WORM-compatible), at most `concurrency`
 * writes at once, each with a Storage deadline.
 */
export class ExpectedRecords {
  private readonly ensureContainer: (signal?: AbortSignal) => Promise<void>;

  constructor(
    private readonly container: ContainerClient,
    private readonly concurrency = 32,
  ) {
    this.ensureContainer = ensureOnce(async (signal) => {
      await container.createIfNotExists({ abortSignal: signal });
    });
  }

  /**
   * Writes the expected record of every recording among `messages`; throws StorageUnavailableError. Returns how many
   * recordings there were, and which of them already had their expected record (an earlier delivery, or another
   * event of the recording, wrote it): only those can have chunks queued before.
   */
  async write(messages: readonly ChunkMessage[], deadline?: AbortSignal): Promise<{ recordings: number; seenBefore: ReadonlySet<string> }> {
    if (messages.length === 0) return { recordings: 0, seenBefore: new Set() };
    const byRecording = new Map<string, ChunkMessage[]>();
    for (const message of messages) {
      const folder = chunkBlobNames(message).folder;
      const group = byRecording.get(folder);
      if (group) group.push(message);
      else byRecording.set(folder, [message]);
    }
    try {
      await this.ensureContainer(deadline);
    } catch (error) {
      throw new StorageUnavailableError(`Could not reach container ${this.container.containerName}: ${describeError(error)}`, { cause: error });
    }
    // Each recording's expected record and its deadline markers (usually one): every write under one bound.
    const writes = [...byRecording.values()].flatMap((group) => {
      const record = expectedRecordingOf(group);
      return [
        { name: expectedRecordName(record.recordingFolder), text: JSON.stringify(record), folder: record.recordingFolder },
        ...deadlineMarkers(record.recordingFolder, record.chunks),
      ];
    });
    // A blob already there is the same recording seen before (a redelivery, or another event of it).
    const results = await mapConcurrent(writes, this.concurrency, (write) => writeJsonOnce(this.container, write.name, write.text, undefined, deadline), {
      ...(deadline ? { abortSignal: deadline } : {}),
    });
    const failed = results.find((result): result is PromiseRejectedResult => result.status === "rejected");
    if (failed)
      throw new StorageUnavailableError(`Could not write an expected-chunks record or deadline marker: ${describeError(failed.reason)}`, {
        cause: failed.reason,
      });
    const seenBefore = new Set<string>();
    writes.forEach((write, i) => {
      if ("folder" in write && results[i]?.status === "fulfilled" && !results[i].value) seenBefore.add(write.folder);
    });
    return { recordings: byRecording.size, seenBefore };
  }
}
