import type { ContainerClient } from "@azure/storage-blob";
import { createServices, type ServiceObservers } from "../app/services";
import type { CallStatusReader } from "../catalog/callStatus";
import type { RecordingCatalog } from "../catalog/recordingCatalog";
import type { ChunkArchiveJob } from "../pipeline/chunkArchiveJob";
import { parseConfig, type AppConfig } from "../config/appConfig";
import { configWarnings } from "../config/configWarnings";
import type { Settings } from "../config/settingParsers";
import type { Log } from "../shared/log";
import type { Quarantine } from "../storage/quarantine";

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
  for (const warning of configWarnings(config)) log.warn(warning);
  return {
    config,
    archiveJob: services.archiveJob,
    quarantine: services.quarantine,
    recordings: services.recordings,
    catalog: services.catalog,
    callStatus: services.callStatus,
  };
}
