import type { ContainerClient } from "@azure/storage-blob";
import { createServices, type ServiceObservers } from "../app/services";
import type { CallStatusReader } from "../catalog/callStatus";
import type { RecordingCatalog } from "../catalog/recordingCatalog";
import type { ChunkArchiveJob } from "../pipeline/chunkArchiveJob";
import { acsResourceWarnings } from "../config/acsResources";
import { parseConfig, type AppConfig } from "../config/appConfig";
import type { Settings } from "../config/settingParsers";
import type { Log } from "../shared/log";
import { Quarantine } from "../storage/quarantine";
import { createBlobServiceClient } from "../storage/storageClients";

/** What the command line works with: the Functions app's own archive job, plus the containers it reports on. */
export interface CliServices {
  readonly config: AppConfig;
  /** The very job the queue function runs (built by the app's composition root). */
  readonly archiveJob: ChunkArchiveJob;
  /** The `rejected-events` container, as intake writes to it. */
  readonly quarantine: Quarantine;
  readonly recordings: ContainerClient;
  /** Manifests and archive events (the `manifest` command). */
  readonly catalog: RecordingCatalog;
  /** What the archive knows about a call (the `status` command). */
  readonly callStatus: CallStatusReader;
}

/** Parses the settings (ConfigError names a bad one) and builds the services the way the app does. */
export function createCliServices(settings: Settings, log: Log, observers: ServiceObservers = {}): CliServices {
  const config = parseConfig(settings);
  const services = createServices(config, observers);
  const blobs = createBlobServiceClient(config.recordingsStorage);
  if (config.allowedAcsResources.length === 0 && config.acsResources.groups.length === 0) {
    log.warn("ALLOWED_ACS_RESOURCES is not set: events from ANY Event Grid topic are accepted (as the app does).");
  }
  for (const warning of acsResourceWarnings(config.acsResources)) log.warn(warning);
  return {
    config,
    archiveJob: services.archiveJob,
    quarantine: new Quarantine(blobs.getContainerClient(config.quarantineContainer)),
    recordings: blobs.getContainerClient(config.recordingsContainer),
    catalog: services.catalog,
    callStatus: services.callStatus,
  };
}
