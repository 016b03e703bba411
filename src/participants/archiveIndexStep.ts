import type { ContainerClient } from "@azure/storage-blob";
import { chunkBlobNames } from "../layout/blobLayout";
import { isTransient } from "../archive/retryPolicy";
import { describeError } from "../errors";
import type { ChunkMessage } from "../queue/chunkMessage";
import type { Log } from "../shared/log";
import { catalogueUrls } from "./byosErasure";
import { chunkRefOf } from "./chunkRef";
import type { ParticipantIndex } from "./participantIndex";
import { ParticipantIndexKeyError } from "./participantErrors";

/**
 * The archive job's participant-index step: after a chunk and its metadata document are archived, index the
 * participants that chunk's own archived metadata lists (entries name the chunk, never the whole recording), and
 * for a BYOS chunk record which customer blobs its catalogue record names. The first indexed chunk records the app's
 * key fingerprint; under another key nothing is indexed, the chunk is flagged (reindex indexes it) and the error says so. A transient Storage fault is thrown
 * (the queue redelivers the chunk, which is then "already archived" and indexed again); anything else is logged and
 * left to `participants reindex`, never turning an archived chunk into a failed one.
 */
export class ArchiveIndexStep {
  constructor(
    private readonly index: ParticipantIndex,
    private readonly recordings: ContainerClient,
  ) {}

  /**
   * `metadataDocument`: the chunk's metadata as this delivery just committed it (`If-None-Match: *`, so the blob holds
   * exactly these bytes): indexed from them instead of reading the blob back. Absent when an earlier delivery stored it.
   */
  async chunkArchived(message: ChunkMessage, log: Log, metadataDocument?: Buffer): Promise<void> {
    const ref = chunkRefOf(chunkBlobNames(message));
    try {
      await this.index.indexChunk(this.recordings, ref, {
        source: "archive",
        log,
        documentId: message.documentId,
        recordKey: "archive",
        ...(metadataDocument ? { committedDocument: metadataDocument } : {}),
      });
      if (message.byos) await this.index.claimByosLocations(ref, await catalogueUrls(this.recordings, ref));
    } catch (error) {
      if (isTransient(error, false)) throw error;
      // Under another key (a rotation under way) the chunk is flagged: find reports it, and reindex indexes it once the new key is recorded.
      if (error instanceof ParticipantIndexKeyError)
        await this.index.flag(ref, "keyMismatch", {}).catch((flagError: unknown) => {
          if (isTransient(flagError, false)) throw flagError;
          log.error(`Participant index: could not flag chunk ${message.chunkKey} (${describeError(flagError)}).`);
        });
      log.error(
        `Participant index: could not index chunk ${message.chunkKey} (${describeError(error)}); run "recording-archiver participants reindex".`,
      );
    }
  }
}
