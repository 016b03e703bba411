import type { ContainerClient } from "@azure/storage-blob";
import { AcsClients } from "../acs/acsClients";
import { ChunkArchiveJob } from "../pipeline/chunkArchiveJob";
import { byosAccess } from "../byos/byosAccess";
import { ByosArchiver } from "../byos/byosArchiver";
import { ChunkArchiver } from "../archive/chunkArchiver";
import { stagedBlockSize } from "../archive/transfer/blockPlan";
import { MemoryBudget } from "../archive/transfer/memoryBudget";
import { archiverMetrics } from "../telemetry/archiverMetrics";
import { DEFAULT_RETRY } from "../archive/retryPolicy";
import { FailureRecords } from "../archive/failureRecords";
import { PoisonedChunkRescue } from "../pipeline/poisonedChunkRescue";
import { eventSinkFor } from "../catalog/eventPublisher";
import { ErasureTombstones } from "../catalog/erasureTombstones";
import { ExpectedRecords } from "../catalog/expectedRecords";
import { IntakeCatalog } from "../catalog/intakeCatalog";
import { QueuedChunks } from "../catalog/queuedChunks";
import { RecordingCatalog } from "../catalog/recordingCatalog";
import { CallStatusReader } from "../catalog/callStatus";
import { DeadlineWatch } from "../catalog/deadlineWatch";
import type { AppConfig } from "../config/appConfig";
import type { ChunkMessage } from "../queue/chunkMessage";
import { RecordingIntake } from "../intake/recordingIntake";
import { ArchiveIndexStep } from "../participants/archiveIndexStep";
import { PARTICIPANT_INDEX_CONTAINER } from "../participants/indexLayout";
import { ParticipantIndex } from "../participants/participantIndex";
import { searchParticipant, type SearchOptions, type SearchPage } from "../participants/participantSearch";
import { RecordingControls } from "../recordingControl/recordingControls";
import { ChunkQueue } from "../queue/chunkQueue";
import { Quarantine } from "../storage/quarantine";
import { createBlobServiceClient, createQueueServiceClient } from "../storage/storageClients";

/** What the participants API needs: one page of a participant's chunks (what `participants find` walks page by page). */
export interface ParticipantLookup {
  readonly index: ParticipantIndex;
  /** The archive container the index points into. */
  readonly recordings: ContainerClient;
  search(participantId: string, options: SearchOptions): Promise<SearchPage>;
}

/** Everything the functions need, built once per process from the parsed config. */
export interface AppServices {
  readonly config: AppConfig;
  readonly intake: RecordingIntake;
  /** Archives one chunk message (queue function and command line). */
  readonly archiveJob: ChunkArchiveJob;
  /** Puts chunks that reached the poison queue back, or records them. */
  readonly poisonRescue: PoisonedChunkRescue;
  /** Start, state, pause, resume and stop of call recordings (ACS Call Automation), per ACS resource; built on first use. */
  readonly recordingControl: RecordingControls;
  /** Data-subject requests: every archived recording of a participant; absent without PARTICIPANT_INDEX_KEY. */
  readonly participants?: ParticipantLookup;
  /** Manifests and downstream events (after each chunk, and for the `manifest` command). */
  readonly catalog: RecordingCatalog;
  /** What the archive knows about a call (status API and `status` command). */
  readonly callStatus: CallStatusReader;
  /** The recordings container (RECORDINGS_CONTAINER): what the command line reports on. */
  readonly recordings: ContainerClient;
  /** The `rejected-events` container, as intake writes to it (the command line lists it). */
  readonly quarantine: Quarantine;
  /** Chunks not archived with a quarter of their window left, also those never delivered (timer). */
  readonly deadlineWatch: DeadlineWatch;
}

/** Hooks for a caller that shows progress (the command line); the functions pass none. */
export interface ServiceObservers {
  /** Told of every retry inside an archive invocation. */
  readonly onRetry?: () => void;
}

/**
 * The composition root: builds clients once and hands them to the cores. The app loads this module on its first
 * invocation (src/app/serviceProvider.ts), not at start; the Call Automation client is built (and its SDK loaded)
 * only when the control API is first used.
 */
export function createServices(config: AppConfig, observers: ServiceObservers = {}): AppServices {
  const queues = createQueueServiceClient(config.hostStorage);
  const blobs = createBlobServiceClient(config.recordingsStorage);
  const chunkQueue = new ChunkQueue(queues.getQueueClient(config.chunkQueue));
  const recordings = blobs.getContainerClient(config.recordingsContainer);
  const erasures = new ErasureTombstones(recordings);
  const quarantine = new Quarantine(blobs.getContainerClient(config.quarantineContainer));
  const intake = new RecordingIntake({
    chunkQueue,
    quarantine,
    policy: config,
    catalog: new IntakeCatalog(new ExpectedRecords(recordings), new QueuedChunks(recordings)),
    limits: config.intakeLimits,
    erasures,
  });
  const events = eventSinkFor(config.archiveEvents);
  const catalog = new RecordingCatalog({ container: recordings, events });
  const callStatus = new CallStatusReader(recordings);
  const requeue = (message: ChunkMessage, delaySeconds: number): Promise<void> =>
    chunkQueue.requeue(message, delaySeconds);
  const failures = new FailureRecords(recordings);
  const participantIndex =
    config.participantIndexKey === undefined
      ? undefined
      : new ParticipantIndex(
          blobs.getContainerClient(PARTICIPANT_INDEX_CONTAINER),
          config.participantIndexKey,
          recordings.containerName,
        );
  const archiveJob = new ChunkArchiveJob({
    archiver: new ChunkArchiver({
      acs: new AcsClients(config.acsResources, config.downloadHosts),
      container: recordings,
      blockSize: config.downloadBlockSize,
      concurrency: config.downloadConcurrency,
      // One budget for the process: every chunk in flight (the host runs many at once) draws on it.
      memory: new MemoryBudget(config.archiveMemoryBudget, stagedBlockSize(config.downloadBlockSize), (waitedMs) =>
        archiverMetrics().memoryWait.record(waitedMs / 1000),
      ),
      retentionHours: config.retentionHours,
      deleteAfterArchive: config.deleteAfterArchive,
      ...(observers.onRetry ? { retry: { ...DEFAULT_RETRY, onRetry: observers.onRetry } } : {}),
    }),
    failures,
    downloadHosts: config.downloadHosts,
    byosContainers: config.byosContainers,
    requeue,
    byos: new ByosArchiver({
      container: recordings,
      access: byosAccess(config.recordingsStorage),
      containers: config.byosContainers,
      copy: config.byosCopy,
    }),
    ...(participantIndex ? { participantIndex: new ArchiveIndexStep(participantIndex, recordings) } : {}),
    catalog,
    erasures,
  });
  const poisonRescue = new PoisonedChunkRescue({
    failures,
    downloadHosts: config.downloadHosts,
    byosContainers: config.byosContainers,
    requeue,
    erasures,
  });
  let recordingControl: RecordingControls | undefined;
  return {
    config,
    intake,
    archiveJob,
    poisonRescue,
    get recordingControl() {
      recordingControl ??= new RecordingControls(config.acsResources);
      return recordingControl;
    },
    catalog,
    callStatus,
    recordings,
    quarantine,
    deadlineWatch: new DeadlineWatch({
      container: recordings,
      status: callStatus,
      events,
      retentionHours: config.retentionHours,
    }),
    ...(participantIndex
      ? {
          participants: {
            index: participantIndex,
            recordings,
            search: (participantId: string, options: SearchOptions) =>
              searchParticipant(participantIndex, recordings, participantId, {
                ...options,
                recordKey: "participantsApi",
              }),
          },
        }
      : {}),
  };
}
