import { AcsRecordingClient } from "../acs/acsRecordingClient";
import { ChunkArchiveJob } from "../archive/chunkArchiveJob";
import { ChunkArchiver } from "../archive/chunkArchiver";
import { FailureRecords } from "../archive/failureRecords";
import { PoisonedChunkRescue } from "../archive/poisonedChunkRescue";
import { eventSinkFor } from "../catalog/eventPublisher";
import { ExpectedRecords } from "../catalog/expectedRecords";
import { IntakeCatalog } from "../catalog/intakeCatalog";
import { RecordingCatalog } from "../catalog/recordingCatalog";
import { CallStatusReader } from "../catalog/callStatus";
import { parseConfig, type AppConfig } from "../config/appConfig";
import type { Settings } from "../config/settingParsers";
import type { ChunkMessage } from "../events/chunkMessage";
import { RecordingIntake } from "../intake/recordingIntake";
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
  /** Manifests and downstream events (after each chunk, and for the `manifest` command). */
  readonly catalog: RecordingCatalog;
  /** What the archive knows about a call (status API and `status` command). */
  readonly callStatus: CallStatusReader;
}

/** The composition root: builds clients once and hands them to the cores. */
export function createServices(config: AppConfig): AppServices {
  const queues = createQueueServiceClient(config.hostStorage);
  const blobs = createBlobServiceClient(config.recordingsStorage);
  const chunkQueue = new ChunkQueue(queues.getQueueClient(config.chunkQueue));
  const recordings = blobs.getContainerClient(config.recordingsContainer);
  const intake = new RecordingIntake({
    chunkQueue,
    quarantine: new Quarantine(blobs.getContainerClient(config.quarantineContainer)),
    policy: config,
    catalog: new IntakeCatalog(new ExpectedRecords(recordings)),
  });
  const recordingControl = RecordingControl.forAcs(config.acs);
  const catalog = new RecordingCatalog({ container: recordings, events: eventSinkFor(config.archiveEvents) });
  const requeue = (message: ChunkMessage, delaySeconds: number): Promise<void> => chunkQueue.requeue(message, delaySeconds);
  const failures = new FailureRecords(recordings);
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
    catalog,
  });
  const poisonRescue = new PoisonedChunkRescue({ failures, downloadHosts: config.downloadHosts, requeue });
  return { config, intake, archiveJob, poisonRescue, recordingControl, catalog, callStatus: new CallStatusReader(recordings) };
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
    services = createServices(config);
  }
  return services;
}
