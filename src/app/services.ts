import type { ContainerClient } from "@azure/storage-blob";
import { AcsRecordingClient } from "../acs/acsRecordingClient";
import { ChunkArchiveJob } from "../archive/chunkArchiveJob";
import { byosAccess } from "../byos/byosAccess";
import { ByosArchiver } from "../byos/byosArchiver";
import { ChunkArchiver } from "../archive/chunkArchiver";
import { FailureRecords } from "../archive/failureRecords";
import { PoisonedChunkRescue } from "../archive/poisonedChunkRescue";
import { parseConfig, type AppConfig } from "../config/appConfig";
import type { Settings } from "../config/settingParsers";
import type { ChunkMessage } from "../events/chunkMessage";
import { RecordingIntake } from "../intake/recordingIntake";
import { ArchiveIndexStep } from "../participants/archiveIndexStep";
import { PARTICIPANT_INDEX_CONTAINER } from "../participants/indexLayout";
import { ParticipantIndex } from "../participants/participantIndex";
import { RecordingControl } from "../recordingControl/recordingControl";
import { ChunkQueue } from "../storage/chunkQueue";
import { Quarantine } from "../storage/quarantine";
import { createBlobServiceClient, createQueueServiceClient } from "../storage/storageClients";

/** Everything the functions need, built once per process from the parsed config. */
export interface AppServices {
  readonly config: AppConfig;
  readonly intake: RecordingIntake;
  /** Archives one chunk message (queue function and command line). */
  readonly archiveJob: ChunkArchiveJob;
  /** Puts chunks that reached the poison queue back, or records them. */
  readonly poisonRescue: PoisonedChunkRescue;
  /** Start, state, pause, resume and stop of call recordings (ACS Call Automation). */
  readonly recordingControl: RecordingControl;
  /** Data-subject requests (issue 11): the index and the archive it points into; absent without PARTICIPANT_INDEX_KEY. */
  readonly participants?: { readonly index: ParticipantIndex; readonly recordings: ContainerClient };
}

/** The composition root: builds clients once and hands them to the cores. */
export function createServices(config: AppConfig): AppServices {
  const queues = createQueueServiceClient(config.hostStorage);
  const blobs = createBlobServiceClient(config.recordingsStorage);
  const chunkQueue = new ChunkQueue(queues.getQueueClient(config.chunkQueue));
  const intake = new RecordingIntake({
    chunkQueue,
    quarantine: new Quarantine(blobs.getContainerClient(config.quarantineContainer)),
    policy: config,
  });
  const recordingControl = RecordingControl.forAcs(config.acs);
  const recordings = blobs.getContainerClient(config.recordingsContainer);
  const requeue = (message: ChunkMessage, delaySeconds: number): Promise<void> => chunkQueue.requeue(message, delaySeconds);
  const failures = new FailureRecords(recordings);
  const participantIndex = config.participantIndexKey === undefined ? undefined : new ParticipantIndex(blobs.getContainerClient(PARTICIPANT_INDEX_CONTAINER), config.participantIndexKey, recordings.containerName);
  const archiveJob = new ChunkArchiveJob({
    archiver: new ChunkArchiver({
      acs: new AcsRecordingClient(config.acs, config.downloadHosts),
      container: recordings,
      blockSize: config.downloadBlockSize,
      concurrency: config.downloadConcurrency,
      retentionHours: config.retentionHours,
      deleteAfterArchive: config.deleteAfterArchive,
    }),
    failures,
    downloadHosts: config.downloadHosts,
    requeue,
    byos: new ByosArchiver({ container: recordings, access: byosAccess(config.recordingsStorage), accounts: config.byosStorageAccounts, copy: config.byosCopy }),
    ...(participantIndex ? { participantIndex: new ArchiveIndexStep(participantIndex, recordings) } : {}),
  });
  const poisonRescue = new PoisonedChunkRescue({ failures, downloadHosts: config.downloadHosts, requeue });
  return { config, intake, archiveJob, poisonRescue, recordingControl, ...(participantIndex ? { participants: { index: participantIndex, recordings } } : {}) };
}

let services: AppServices | undefined;

/**
 * The process-wide services, parsed from the app settings on first use (at function registration,
 * i.e. startup): a bad setting fails the app's start with a ConfigError that names it.
 */
export function appServices(settings: Settings = process.env): AppServices {
  if (!services) {
    const config = parseConfig(settings);
    if (config.allowedAcsResources.length === 0) {
      console.warn(
        "ALLOWED_ACS_RESOURCES is not set: recording events from ANY Event Grid topic are accepted. " +
          "Set it to your ACS resource id(s) so replayed or forged events are rejected.",
      );
    }
    if (config.participantIndexKey === undefined) {
      console.warn("PARTICIPANT_INDEX_KEY is not set: the participant index is disabled (no entries written, /api/archive/participants answers 503).");
    }
    services = createServices(config);
  }
  return services;
}
