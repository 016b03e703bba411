import { totalmem } from "node:os";
import { DEFAULT_MEMORY_BUDGET } from "../archive/transfer/memoryBudget";
import { ConfigError } from "../errors";
import { parseResourceId } from "./acsResourceId";
import { acsEndpoints, parseAcsResources, type AcsResources } from "./acsResources";
import { archiveEventsSetting, type ArchiveEventsConfig } from "./archiveEventsSettings";
import { BYOS_SETTING, byosContainer, type ByosContainer } from "./byosContainers";
import { buildDownloadHostPolicy, type DownloadHostPolicy } from "./downloadHosts";
import { intakeLimitsSetting, type IntakeLimits } from "./intakeLimits";
import { customServiceHosts } from "./serviceHosts";
import {
  booleanSetting,
  byteSizeSetting,
  integerSetting,
  listSetting,
  numberSetting,
  optionalSetting,
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
  /** ACS_CONNECTION_STRING and the ACS_RESOURCES__<n> groups: which key signs for which resource (acsResources.ts). */
  readonly acsResources: AcsResources;
  /**
   * Lower-cased ACS resource ids allowed as event topic/source: ALLOWED_ACS_RESOURCES, plus every ACS_RESOURCES__<n>
   * resource when ALLOWED_ACS_RESOURCES is set. Empty = any (warned at startup); with resource groups, intake still
   * accepts only the groups' resources (acsResources.ts, unservedResourceProblem).
   */
  readonly allowedAcsResources: readonly string[];
  readonly downloadHosts: DownloadHostPolicy;
  readonly retentionHours: number;
  readonly downloadBlockSize: number;
  readonly downloadConcurrency: number;
  /** `ARCHIVE_MEMORY_BUDGET`: bytes of chunk buffers the whole process may hold (shared by every chunk in flight). */
  readonly archiveMemoryBudget: number;
  readonly deleteAfterArchive: boolean;
  /** `PARTICIPANT_INDEX_KEY`: the HMAC key of the participant index; undefined = index disabled (warned once). */
  readonly participantIndexKey?: string;
  /** `BYOS_STORAGE_ACCOUNTS`: the destination containers ACS writes bring-your-own-storage recordings into. */
  readonly byosContainers: readonly ByosContainer[];
  /** The distinct accounts (blob endpoints, lower-cased) of `byosContainers`. */
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
export type ParticipantConfig = Pick<
  AppConfig,
  "recordingsStorage" | "recordingsContainer" | "participantIndexKey" | "byosContainers" | "byosStorageAccounts"
> & {
  /** ARCHIVE_VERSION_DELETE_AFTER_DAYS: the template's lifecycle rule for previous blob versions (erasure receipts state it). */
  readonly versionLifecycleDays?: number;
  /** ARCHIVE_SOFT_DELETE_DAYS: the archive's blob soft-delete retention, stated when the account's own cannot be read. */
  readonly softDeleteDays?: number;
};

/** Parses settings (app settings / local.settings.json Values); throws ConfigError naming the bad setting. */
export function parseConfig(settings: Settings): AppConfig {
  const hostStorage = hostStorageSetting(settings);
  const recordingsStorage = recordingsStorageSetting(settings, hostStorage);
  const allowed = listSetting(settings, "ALLOWED_ACS_RESOURCES").map((value) =>
    parseResourceId(value, "ALLOWED_ACS_RESOURCES"),
  );
  const acsResources = parseAcsResources(settings, allowed);
  const config: AppConfig = {
    hostStorage,
    recordingsStorage,
    chunkQueue: chunkQueueSetting(settings),
    recordingsContainer: recordingsContainerSetting(settings),
    quarantineContainer: "rejected-events",
    acsResources,
    allowedAcsResources:
      allowed.length === 0 ? [] : [...new Set([...allowed, ...acsResources.groups.map((group) => group.resourceId)])],
    downloadHosts: buildDownloadHostPolicy(listSetting(settings, "ALLOWED_DOWNLOAD_HOSTS"), acsEndpoints(acsResources)),
    // Today's ACS documentation keeps recordings 24 h; the 2021 preview API documentation said 48 (docs/settings.md).
    retentionHours: numberSetting(settings, "RETENTION_HOURS", 24, { min: 1, max: 24 * 365 }),
    downloadBlockSize: byteSizeSetting(settings, "DOWNLOAD_BLOCK_SIZE", 8 * MIB, { min: 256 * 1024, max: 256 * MIB }),
    downloadConcurrency: integerSetting(settings, "DOWNLOAD_CONCURRENCY", 8, { min: 1, max: 64 }),
    archiveMemoryBudget: memoryBudgetSetting(settings),
    deleteAfterArchive: booleanSetting(settings, "DELETE_AFTER_ARCHIVE", false),
    ...participantIndexKeySetting(settings),
    ...byosSetting(settings),
    byosCopy: booleanSetting(settings, "BYOS_COPY", false),
    ...optionalArchiveEvents(settings),
    telemetryEnabled: optionalSetting(settings, "APPLICATIONINSIGHTS_CONNECTION_STRING") !== undefined,
    intakeLimits: intakeLimitsSetting(settings),
  };
  return deepFreeze(config);
}

/**
 * ARCHIVE_MEMORY_BUDGET: 1 GiB by default (see DEFAULT_MEMORY_BUDGET), at least two of the largest ranged GETs
 * (DOWNLOAD_BLOCK_SIZE: a chunk that fits in one is admitted with all of its bytes at once) and 16 MiB.
 */
function memoryBudgetSetting(settings: Settings): number {
  const budget = byteSizeSetting(settings, "ARCHIVE_MEMORY_BUDGET", DEFAULT_MEMORY_BUDGET, {
    min: 16 * MIB,
    max: 64 * 1024 * MIB,
  });
  const blockSize = byteSizeSetting(settings, "DOWNLOAD_BLOCK_SIZE", 8 * MIB, { min: 256 * 1024, max: 256 * MIB });
  if (budget < 2 * blockSize) {
    throw new ConfigError(
      "ARCHIVE_MEMORY_BUDGET",
      `must be at least twice DOWNLOAD_BLOCK_SIZE (${2 * blockSize} bytes).`,
    );
  }
  return budget;
}

/** What the process needs besides the budget: the Functions host beside it and the worker's own (docs/settings.md). */
const OUTSIDE_THE_BUDGET = 512 * MIB;

/**
 * A warning, once at start, when ARCHIVE_MEMORY_BUDGET leaves the process no room within the memory it may use
 * (`available`: the cgroup limit, else the machine's memory): a budget that cannot be met ends in the worker being
 * killed under a burst, again on every redelivery. Not refused: the archiver keeps working, and the setting is named.
 */
export function memoryBudgetWarnings(budget: number, available: number = availableMemory()): string[] {
  if (!Number.isFinite(available) || available <= 0 || budget + OUTSIDE_THE_BUDGET <= available) return [];
  return [
    `ARCHIVE_MEMORY_BUDGET (${Math.round(budget / MIB)} MiB) leaves less than ${OUTSIDE_THE_BUDGET / MIB} MiB of the ` +
      `${Math.round(available / MIB)} MiB this process may use for the Functions host and the worker: under a burst the ` +
      "worker may run out of memory. Lower ARCHIVE_MEMORY_BUDGET (1GiB fits a 2,048 MB instance).",
  ];
}

/** The memory this process may use: its cgroup's limit when one is set (Node reports "no limit" as a huge number), else the machine's. */
function availableMemory(): number {
  const machine = totalmem();
  const limit = process.constrainedMemory();
  return limit > 0 && limit < machine ? limit : machine;
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

/** The ACS connections alone (the health check probes their endpoints; which resource each serves does not matter there). */
export function acsResourcesSetting(settings: Settings): AcsResources {
  return parseAcsResources(settings, []);
}

/** An identity-based connection names each service it is used for (checked here, not when a client is first built). */
function requireServiceUri(
  connection: StorageConnection,
  service: "queueServiceUri" | "blobServiceUri",
  use: string,
): void {
  if (connection.kind === "identity" && !connection[service]) {
    throw new ConfigError(
      `${connection.setting}__${service}`,
      `is required for ${use} (the account's endpoint, e.g. its primaryEndpoints value).`,
      "missing",
    );
  }
}

const DEFAULT_CHUNK_QUEUE = "recording-chunks";

/** Settings for the `participants` commands: archive storage and the index key only. */
export function parseParticipantConfig(settings: Settings): ParticipantConfig {
  const hostStorage = readStorageConnection(settings, "AzureWebJobsStorage");
  const recordingsStorage = readStorageConnection(settings, "RECORDINGS_STORAGE") ?? hostStorage;
  if (!recordingsStorage)
    throw new ConfigError(
      "RECORDINGS_STORAGE",
      "is required (or AzureWebJobsStorage, which it defaults to) to reach the archive.",
    );
  return deepFreeze({
    recordingsStorage,
    recordingsContainer: storageNameSetting(settings, "RECORDINGS_CONTAINER", "recordings"),
    ...participantIndexKeySetting(settings),
    ...byosSetting(settings),
    ...optionalDays(settings, "ARCHIVE_VERSION_DELETE_AFTER_DAYS", "versionLifecycleDays"),
    ...optionalDays(settings, "ARCHIVE_SOFT_DELETE_DAYS", "softDeleteDays"),
  });
}

/** A number of days the deployment states (0–36,500), or nothing when the setting is absent. */
function optionalDays<K extends string>(settings: Settings, name: string, key: K): Partial<Record<K, number>> {
  if (optionalSetting(settings, name) === undefined) return {};
  return { [key]: integerSetting(settings, name, 0, { min: 0, max: 36_500 }) } as Partial<Record<K, number>>;
}

/** Key material PARTICIPANT_INDEX_KEY must decode to (a keyed hash is only as strong as its key). */
const MIN_INDEX_KEY_BYTES = 32;
/** 32 random bytes have about 30 distinct values; fewer than this means a pattern, not a random key. */
const MIN_DISTINCT_KEY_BYTES = 16;
const KEY_ADVICE = "generate one with `openssl rand -base64 32` (the azd hooks do) and keep it in Key Vault";

/** Canonical base64 (what `openssl rand -base64` and the azd hooks write) of at least 32 random-looking bytes. */
function participantIndexKeySetting(settings: Settings): { participantIndexKey?: string } {
  const key = optionalSetting(settings, "PARTICIPANT_INDEX_KEY");
  if (key === undefined) return {};
  const material = Buffer.from(key, "base64");
  if (
    !/^[A-Za-z0-9+/]+={0,2}$/.test(key) ||
    material.toString("base64") !== key ||
    material.length < MIN_INDEX_KEY_BYTES
  ) {
    throw new ConfigError(
      "PARTICIPANT_INDEX_KEY",
      `must be base64 of at least ${MIN_INDEX_KEY_BYTES} bytes of random key material; ${KEY_ADVICE}.`,
    );
  }
  if (new Set(material).size < MIN_DISTINCT_KEY_BYTES || isPeriodic(material)) {
    throw new ConfigError(
      "PARTICIPANT_INDEX_KEY",
      `is trivially weak (its bytes repeat a short pattern, not random key material); ${KEY_ADVICE}.`,
    );
  }
  return { participantIndexKey: key };
}

/** True when the bytes are one shorter block repeated (a pattern, not random material). */
function isPeriodic(bytes: Buffer): boolean {
  for (let period = 1; period <= bytes.length / 2; period++) {
    let repeats = true;
    for (let at = period; at < bytes.length && repeats; at++) repeats = bytes[at] === bytes[at - period];
    if (repeats) return true;
  }
  return false;
}

/** BYOS_STORAGE_ACCOUNTS: destination container URLs (see byosContainers.ts), and their distinct accounts. */
function byosSetting(settings: Settings): Pick<AppConfig, "byosContainers" | "byosStorageAccounts"> {
  const custom = customServiceHosts(settings);
  const byosContainers = listSetting(settings, BYOS_SETTING).map((entry) => byosContainer(entry, custom));
  return { byosContainers, byosStorageAccounts: [...new Set(byosContainers.map((container) => container.account))] };
}

function optionalArchiveEvents(settings: Settings): { archiveEvents?: ArchiveEventsConfig } {
  const archiveEvents = archiveEventsSetting(settings);
  return archiveEvents ? { archiveEvents } : {};
}

/** The host names the poison queue `<CHUNK_QUEUE>-poison`, which must be a valid queue name too. */
function chunkQueueSetting(settings: Settings): string {
  const name = storageNameSetting(settings, "CHUNK_QUEUE", DEFAULT_CHUNK_QUEUE);
  if (name.length > 56)
    throw new ConfigError(
      "CHUNK_QUEUE",
      "must be at most 56 characters, so that its poison queue (<name>-poison) is a valid queue name.",
    );
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

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
