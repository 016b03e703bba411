import { BlobServiceClient } from "@azure/storage-blob";
import { ChunkArchiveJob } from "../../src/pipeline/chunkArchiveJob";
import { FailureRecords } from "../../src/archive/failureRecords";
import { CallStatusReader } from "../../src/catalog/callStatus";
import { ErasureTombstones } from "../../src/catalog/erasureTombstones";
import { eventSinkFor, NO_EVENTS } from "../../src/catalog/eventPublisher";
import { ExpectedRecords } from "../../src/catalog/expectedRecords";
import { RecordingCatalog } from "../../src/catalog/recordingCatalog";
import { archiveEventsSetting } from "../../src/config/archiveEventsSettings";
import type { ChunkMessage } from "../../src/queue/chunkMessage";
import { ArchiveIndexStep } from "../../src/participants/archiveIndexStep";
import { PARTICIPANT_INDEX_CONTAINER } from "../../src/participants/indexLayout";
import { ParticipantIndex } from "../../src/participants/participantIndex";
import type { AcsSimulator } from "../../tools/acsSimulator";
import type { EventReceiver } from "../../tools/eventReceiver";
import { archiveHarness, type ArchiveHarness } from "./archiveHarness";

export interface CatalogHarness extends ArchiveHarness {
  /** The archive job with the catalog step (manifest, events, metrics), as the app wires it. */
  readonly catalogJob: ChunkArchiveJob;
  readonly catalog: RecordingCatalog;
  readonly expected: ExpectedRecords;
  readonly status: CallStatusReader;
}

/** archiveHarness plus the catalog, publishing to `receiver` (a loopback Event Grid stand-in) when given. */
export function catalogHarness(
  sim: AcsSimulator,
  storage: string,
  options: {
    receiver?: EventReceiver;
    schema?: "EventGrid" | "CloudEvent";
    now?: () => Date;
    requeue?: (message: ChunkMessage, delaySeconds: number) => Promise<void>;
    /** Another DOWNLOAD_BLOCK_SIZE than the harness's 256 KiB (say, so that a chunk fits in one range). */
    blockSize?: number;
    /** PARTICIPANT_INDEX_KEY: the job indexes every archived chunk, as the app does when it is set. */
    participantIndexKey?: string;
  } = {},
): CatalogHarness {
  const harness = archiveHarness(sim, storage, {
    ...(options.now ? { now: options.now } : {}),
    ...(options.requeue ? { requeue: options.requeue } : {}),
    ...(options.blockSize ? { blockSize: options.blockSize } : {}),
  });
  const events = options.receiver
    ? eventSinkFor(
        archiveEventsSetting({
          ARCHIVE_EVENTS_ENDPOINT: options.receiver.endpoint,
          ARCHIVE_EVENTS_KEY: options.receiver.key,
          ARCHIVE_EVENTS_SCHEMA: options.schema ?? "EventGrid",
        }),
      )
    : NO_EVENTS;
  const catalog = new RecordingCatalog({
    container: harness.container,
    events,
    ...(options.now ? { now: options.now } : {}),
  });
  const catalogJob = new ChunkArchiveJob({
    archiver: harness.archiver,
    failures: new FailureRecords(harness.container),
    downloadHosts: harness.config.downloadHosts,
    catalog,
    erasures: new ErasureTombstones(harness.container),
    ...(options.participantIndexKey
      ? {
          participantIndex: new ArchiveIndexStep(
            new ParticipantIndex(
              BlobServiceClient.fromConnectionString(storage).getContainerClient(PARTICIPANT_INDEX_CONTAINER),
              options.participantIndexKey,
              harness.container.containerName,
            ),
            harness.container,
          ),
        }
      : {}),
    ...(options.now ? { now: options.now } : {}),
    ...(options.requeue ? { requeue: options.requeue } : {}),
  });
  return {
    ...harness,
    catalogJob,
    catalog,
    expected: new ExpectedRecords(harness.container),
    status: new CallStatusReader(harness.container, options.now),
  };
}
