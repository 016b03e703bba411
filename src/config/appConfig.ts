import { ConfigError } from "../errors";
import { parseAcsConnectionString, type AcsConnection } from "./acsConnectionString";
import { buildDownloadHostPolicy, type DownloadHostPolicy } from "./downloadHosts";
import {
  booleanSetting,
  byteSizeSetting,
  integerSetting,
  listSetting,
  numberSetting,
  requiredSetting,
  storageNameSetting,
  type Settings,
} from "./settingParsers";
import { readStorageConnection, type StorageConnection } from "./storageConnection";

const MIB = 1024 * 1024;

/** Every setting the app reads, parsed and validated once at startup. */
export interface AppConfig {
  /** Host storage (`AzureWebJobsStorage`): the chunk queue lives here. */
  readonly hostStorage: StorageConnection;
  /** Archive storage (`RECORDINGS_STORAGE`, defaults to host storage): recordings, quarantine, failure records. */
  readonly recordingsStorage: StorageConnection;
  readonly chunkQueue: string;
  readonly recordingsContainer: string;
  readonly quarantineContainer: string;
  readonly acs: AcsConnection;
  /** Lower-cased ACS resource ids allowed as event topic/source; empty = any (warned at startup). */
  readonly allowedAcsResources: readonly string[];
  readonly downloadHosts: DownloadHostPolicy;
  readonly retentionHours: number;
  readonly downloadBlockSize: number;
  readonly downloadConcurrency: number;
  readonly deleteAfterArchive: boolean;
}

/** Parses settings (app settings / local.settings.json Values); throws ConfigError naming the bad setting. */
export function parseConfig(settings: Settings): AppConfig {
  const hostStorage = readStorageConnection(settings, "AzureWebJobsStorage");
  if (!hostStorage) throw new ConfigError("AzureWebJobsStorage", "is required but not set (nor AzureWebJobsStorage__accountName / __queueServiceUri).");
  const recordingsStorage = readStorageConnection(settings, "RECORDINGS_STORAGE") ?? hostStorage;
  const acs = parseAcsConnectionString(requiredSetting(settings, "ACS_CONNECTION_STRING"));
  const config: AppConfig = {
    hostStorage,
    recordingsStorage,
    chunkQueue: chunkQueueSetting(settings),
    recordingsContainer: storageNameSetting(settings, "RECORDINGS_CONTAINER", "recordings"),
    quarantineContainer: "rejected-events",
    acs,
    allowedAcsResources: listSetting(settings, "ALLOWED_ACS_RESOURCES").map(parseResourceId),
    downloadHosts: buildDownloadHostPolicy(listSetting(settings, "ALLOWED_DOWNLOAD_HOSTS"), acs.endpoint),
    // Today's ACS documentation keeps recordings 24 h; the founding documents said 48 (README, Settings).
    retentionHours: numberSetting(settings, "RETENTION_HOURS", 24, { min: 1, max: 24 * 365 }),
    downloadBlockSize: byteSizeSetting(settings, "DOWNLOAD_BLOCK_SIZE", 8 * MIB, { min: 256 * 1024, max: 256 * MIB }),
    downloadConcurrency: integerSetting(settings, "DOWNLOAD_CONCURRENCY", 8, { min: 1, max: 64 }),
    deleteAfterArchive: booleanSetting(settings, "DELETE_AFTER_ARCHIVE", false),
  };
  return deepFreeze(config);
}

/** The host names the poison queue `<CHUNK_QUEUE>-poison`, which must be a valid queue name too. */
function chunkQueueSetting(settings: Settings): string {
  const name = storageNameSetting(settings, "CHUNK_QUEUE", "recording-chunks");
  if (name.length > 56) throw new ConfigError("CHUNK_QUEUE", `must be at most 56 characters, so that "${name}-poison" is a valid queue name.`);
  return name;
}

function parseResourceId(value: string): string {
  if (!/^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Communication\/communicationServices\/[^/]+\/?$/i.test(value)) {
    throw new ConfigError(
      "ALLOWED_ACS_RESOURCES",
      `has "${value}", which is not an ACS resource id (/subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.Communication/communicationServices/<name>).`,
    );
  }
  return normalizeResourceId(value);
}

export function normalizeResourceId(value: string): string {
  return value.trim().replace(/\/+$/, "").toLowerCase();
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
