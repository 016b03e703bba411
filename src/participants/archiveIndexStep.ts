import type { ContainerClient } from "@azure/storage-blob";
import { chunkBlobNames } from "../archive/blobLayout";
import { isTransient } from "../archive/retryPolicy";
import { describeError } from "../errors";
import type { ChunkMessage } from "../events/chunkMessage";
import type { Log } from "../shared/log";
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

  async chunkArchived(message: ChunkMessage, log: Log): Promise<void> {
    const names = chunkBlobNames(message);
    try {
      await this.index.indexMetadataBlob(this.recordings, names.metadata, names.folder, "archive", log);
    } catch (error) {
      if (isTransient(error, false)) throw error;
      log.error(`Participant index: could not index chunk ${message.chunkKey} (${describeError(error)}); run "recording-archiver participants reindex".`);
    }
  }
}
