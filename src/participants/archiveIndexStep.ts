import type { ContainerClient } from "@azure/storage-blob";
import { chunkBlobNames } from "../archive/blobLayout";
import { isTransient } from "../archive/retryPolicy";
import { describeError } from "../errors";
import type { ChunkMessage } from "../events/chunkMessage";
import type { Log } from "../shared/log";
import { participantIdsOf } from "./metadataParticipants";
import type { ParticipantIndex } from "./participantIndex";

/**
 * The archive job's participant-index step: after a chunk and its metadata document are archived,
 * index the document's participants. A transient Storage fault is thrown (the queue redelivers the
 * chunk, which is then "already archived" and indexed again); anything else is logged and left to
 * `participants reindex`, never turning an archived chunk into a failed one.
 */
export class ArchiveIndexStep {
  constructor(
    private readonly index: ParticipantIndex,
    private readonly recordings: ContainerClient,
  ) {}

  /** `metadataDocument`: the bytes the archiver just stored, when it did (then the blob is not read back). */
  async chunkArchived(message: ChunkMessage, log: Log, metadataDocument?: Buffer): Promise<void> {
    const names = chunkBlobNames(message);
    try {
      if (metadataDocument) {
        const ids = participantIdsOf(metadataDocument);
        await this.index.record(names.folder, ids, "archive");
        log.info(`Participant index: ${ids.length} participant(s) of ${names.folder} indexed (keyed hashes only).`);
      } else {
        await this.index.indexMetadataBlob(this.recordings, names.metadata, names.folder, "archive", log);
      }
    } catch (error) {
      if (isTransient(error, false)) throw error;
      log.error(`Participant index: could not index chunk ${message.chunkKey} (${describeError(error)}); run "recording-archiver participants reindex".`);
    }
  }
}
