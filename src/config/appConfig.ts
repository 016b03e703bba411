import { ConfigError } from "../errors";
import { ACS_RESOURCE_ID_SHAPE, isAcsResourceId } from "../events/acsResourceId";
import { parseAcsConnectionString, type AcsConnection } from "./acsConnectionString";
import { archiveEventsSetting, type ArchiveEventsConfig } from "./archiveEventsSettings";
import { intakeLimitsSetting, type IntakeLimits } from "./intakeLimits";
import { buildDownloadHostPolicy, isLoopbackHost, type DownloadHostPolicy } from "./downloadHosts";
import {
  booleanSetting,
  byteSizeSetting,
  integerSetting,
  listSetting,
  numberSetting,
  optionalSetting,
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
  /** `PARTICIPANT_INDEX_KEY`: the HMAC key of the participant index; undefined = index disabled (warned once). */
  readonly participantIndexKey?: string;
  /** `BYOS_STORAGE_ACCOUNTS`: blob endpoints (origin, lower-cased) of accounts ACS writes recordings into. */
  readonly byosStorageAccounts: readonly string[];
  /** `BYOS_COPY`: also copy BYOS chunks server-side into the archive container. */
  readonly byosCopy: boolean;
  /** ARCHIVE_EVENTS_*: downstream events; absent = no events are published. */
  readonly archiveEvents?: ArchiveEventsConfig;
  /** True when APPLICATIONINSIGHTS_CONNECTION_STRING is set (telemetry goes to Application Insights). */
  readonly telemetryEnabled: boolean;
  /** INTAKE_MAX_EVENTS / RECORDINGS / CHUNKS_PER_DELIVERY: above one, a delivery is refused whole (413). */
  readonly intakeLimits: IntakeLimits;
}

/** The part of the config that data-subject requests need (no ACS settings: operators may not have them). */
export type ParticipantConfig = Pick<AppConfig, "recordingsStorage" | "recordingsContainer" | "participantIndexKey" | "byosStorageAccounts">;

/** Parses settings (app settings / local.settings.json Values); throws ConfigError naming the bad setting. */
export function parseConfig(settings: Settings): AppConfig {
  const hostStorage = hostStorageSetting(settings);
  const recordingsStorage = recordingsStorageSetting(settings, hostStorage);
  const acs = acsSetting(settings);
  const config: AppConfig = {
    hostStorage,
    recordingsStorage,
    chunkQueue: chunkQueueSetting(settings),
    recordingsContainer: recordingsContainerSetting(settings),
    quarantineContainer: "rejected-events",
    acs,
    allowedAcsResources: listSetting(settings, "ALLOWED_ACS_RESOURCES").map(parseResourceId),
    downloadHosts: buildDownloadHostPolicy(listSetting(settings, "ALLOWED_DOWNLOAD_HOSTS"), acs.endpoint),
    // Today's ACS documentation keeps recordings 24 h; the founding documents said 48 (README, Settings).
    retentionHours: numberSetting(settings, "RETENTION_HOURS", 24, { min: 1, max: 24 * 365 }),
    downloadBlockSize: byteSizeSetting(settings, "DOWNLOAD_BLOCK_SIZE", 8 * MIB, { min: 256 * 1024, max: 256 * MIB }),
    downloadConcurrency: integerSetting(settings, "DOWNLOAD_CONCURRENCY", 8, { min: 1, max: 64 }),
    deleteAfterArchive: booleanSetting(settings, "DELETE_AFTER_ARCHIVE", false),
    ...participantIndexKeySetting(settings),
    byosStorageAccounts: listSetting(settings, "BYOS_STORAGE_ACCOUNTS").map(blobEndpoint),
    byosCopy: booleanSetting(settings, "BYOS_COPY", false),
    ...optionalArchiveEvents(settings),
    telemetryEnabled: optionalSetting(settings, "APPLICATIONINSIGHTS_CONNECTION_STRING") !== undefined,
    intakeLimits: intakeLimitsSetting(settings),
  };
  return deepFreeze(config);
}

/*
 * The parts below are exported for the health check, which reads each dependency's settings on its own so that it can
 * still probe the others when one setting is bad.
 */

/** Host storage (`AzureWebJobsStorage`), where the chunk queue lives. */
export function hostStorageSetting(settings: Settings): StorageConnection {
  const hostStorage = readStorageConnection(settings, "AzureWebJobsStorage");
  if (!hostStorage)
    throw new ConfigError(
      "AzureWebJobsStorage",
      "is required but not set (nor AzureWebJobsStorage__blobServiceUri / __queueServiceUri for an identity-based connection).",
      "missing",
    );
  requireServiceUri(hostStorage, "queueServiceUri", "the chunk queue");
  return hostStorage;
}

/** Archive storage (`RECORDINGS_STORAGE`, host storage when not set). */
export function recordingsStorageSetting(settings: Settings, hostStorage: StorageConnection): StorageConnection {
  const recordingsStorage = readStorageConnection(settings, "RECORDINGS_STORAGE") ?? hostStorage;
  requireServiceUri(recordingsStorage, "blobServiceUri", "the archive");
  return recordingsStorage;
}

export function recordingsContainerSetting(settings: Settings): string {
  return storageNameSetting(settings, "RECORDINGS_CONTAINER", "recordings");
}

export function acsSetting(settings: Settings): AcsConnection {
  return parseAcsConnectionString(requiredSetting(settings, "ACS_CONNECTION_STRING"));
}

/** An identity-based connection names each service it is used for (checked here, not when a client is first built). */
function requireServiceUri(connection: StorageConnection, service: "queueServiceUri" | "blobServiceUri", use: string): void {
  if (connection.kind === "identity" && !connection[service]) {
    throw new ConfigError(`${connection.setting}__${service}`, `is required for ${use} (the account's endpoint, e.g. its primaryEndpoints value).`, "missing");
  }
}

const DEFAULT_CHUNK_QUEUE = "recording-chunks";

/** Settings for the `participants` commands: archive storage and the index key only. */
export function parseParticipantConfig(settings: Settings): ParticipantConfig {
  const hostStorage = readStorageConnection(settings, "AzureWebJobsStorage");
  const recordingsStorage = readStorageConnection(settings, "RECORDINGS_STORAGE") ?? hostStorage;
  if (!recordingsStorage) throw new ConfigError("RECORDINGS_STORAGE", "is required (or AzureWebJobsStorage, which it defaults to) to reach the archive.");
  return deepFreeze({
    recordingsStorage,
    recordingsContainer: storageNameSetting(settings, "RECORDINGS_CONTAINER", "recordings"),
    ...participantIndexKeySetting(settings),
    byosStorageAccounts: listSetting(settings, "BYOS_STORAGE_ACCOUNTS").map(blobEndpoint),
  });
}

/** At least 32 characters (e.g. 32 random bytes base64-encoded, from Key Vault): a keyed hash is only as strong as its key. */
function participantIndexKeySetting(settings: Settings): { participantIndexKey?: string } {
  const key = optionalSetting(settings, "PARTICIPANT_INDEX_KEY");
  if (key === undefined) return {};
  if (key.length < 32) throw new ConfigError("PARTICIPANT_INDEX_KEY", "must be at least 32 characters (e.g. 32 random bytes, base64-encoded).");
  return { participantIndexKey: key };
}

/** A BYOS account as its blob endpoint origin: `https://<account>.blob.core.windows.net` (or any https/loopback origin). */
function blobEndpoint(value: string): string {
  // A pasted SAS URL must not end up in an error message: show the value without its query.
  const shown = value.split("?")[0] ?? "";
  let url: URL;
  try {
    url = new URL(/^https?:\/\//i.test(value) ? value : `https://${value}`);
  } catch {
    throw new ConfigError("BYOS_STORAGE_ACCOUNTS", `has "${shown}", which is not a blob endpoint (https://<account>.blob.core.windows.net).`);
  }
  const loopback = isLoopbackHost(url.hostname);
  if ((url.protocol !== "https:" && !loopback) || url.username || url.password || url.search || url.hash) {
    throw new ConfigError(
      "BYOS_STORAGE_ACCOUNTS",
      `has "${shown}", which is not an https blob endpoint without query or user information (https://<account>.blob.core.windows.net).`,
    );
  }
  // Azurite-style endpoints name the account in the path (http://127.0.0.1:10000/devstoreaccount1).
  const path = url.pathname.replace(/\/+$/, "");
  return `${url.origin}${loopback ? path : ""}`.toLowerCase();
}

function optionalArchiveEvents(settings: Settings): { archiveEvents?: ArchiveEventsConfig } {
  const archiveEvents = archiveEventsSetting(settings);
  return archiveEvents ? { archiveEvents } : {};
}

/** The host names the poison queue `<CHUNK_QUEUE>-poison`, which must be a valid queue name too. */
function chunkQueueSetting(settings: Settings): string {
  const name = storageNameSetting(settings, "CHUNK_QUEUE", DEFAULT_CHUNK_QUEUE);
  if (name.length > 56) throw new ConfigError("CHUNK_QUEUE", `must be at most 56 characters, so that "${name}-poison" is a valid queue name.`);
  return name;
}

/**
 * The queue the queue triggers are registered on: CHUNK_QUEUE when it is valid, the default otherwise. Registration
 * must never fail (a function that does not register cannot even report the problem), and the host refuses to index a
 * trigger whose `%SETTING%` expression does not resolve, so the name is read here instead; a bad CHUNK_QUEUE is
 * reported by parseConfig, and the functions refuse work until it is fixed.
 */
export function triggerQueueName(settings: Settings): string {
  try {
    return chunkQueueSetting(settings);
  } catch {
    return DEFAULT_CHUNK_QUEUE;
  }
}

function parseResourceId(value: string): string {
  if (!isAcsResourceId(value)) {
    throw new ConfigError("ALLOWED_ACS_RESOURCES", `has "${value}", which is not an ACS resource id (${ACS_RESOURCE_ID_SHAPE}).`);
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
