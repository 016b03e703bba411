import { ACS_RESOURCE_FIELDS } from "./acsResources";

/**
 * Every app setting the deployed app reads, in one list: the contract between the app and the
 * template (infra/main.bicep sets only names listed here; test/infra/appSettings.test.ts checks it).
 *
 * - `app`: parsed by src/config (some arrive with later features, see `feature`).
 * - `sdk`: read by an Azure SDK inside the app process, not by our parser (for example
 *   `AZURE_CLIENT_ID`, which `DefaultAzureCredential` needs to pick the user-assigned identity).
 * - `host`: read by the Functions host or platform only.
 *
 * A `connection` setting may be given as `<NAME>` (connection string) or as identity-based
 * `<NAME>__<suffix>` settings (see CONNECTION_SUFFIXES); either form satisfies it.
 *
 * A `group` setting is only ever given as indexed groups `<NAME>__<n>__<FIELD>` (n = 0, 1, …; FIELD from `group`),
 * the app-settings spelling of a list of objects (each field its own setting, so each can be a Key Vault reference).
 */
export interface SettingName {
  readonly name: string;
  readonly readBy: "app" | "sdk" | "host";
  /** The app cannot work without it (missing = configuration error). */
  readonly required: boolean;
  readonly connection?: boolean;
  /** The fields of an indexed group (`<NAME>__<n>__<FIELD>`). */
  readonly group?: readonly string[];
  /** The issue whose feature reads it, when that feature is not the core archiver. */
  readonly feature?: string;
}

const CONNECTION_SUFFIXES = ["accountName", "blobServiceUri", "queueServiceUri", "credential", "clientId"] as const;

export const SETTING_NAMES: readonly SettingName[] = [
  { name: "AzureWebJobsStorage", readBy: "app", required: true, connection: true },
  { name: "RECORDINGS_STORAGE", readBy: "app", required: false, connection: true },
  { name: "RECORDINGS_CONTAINER", readBy: "app", required: false },
  { name: "CHUNK_QUEUE", readBy: "app", required: false },
  // Required unless ACS_RESOURCES groups are set (src/config/acsResources.ts).
  { name: "ACS_CONNECTION_STRING", readBy: "app", required: false },
  { name: "ACS_SECONDARY_CONNECTION_STRING", readBy: "app", required: false },
  { name: "ACS_RESOURCES", readBy: "app", required: false, group: ACS_RESOURCE_FIELDS },
  { name: "ALLOWED_ACS_RESOURCES", readBy: "app", required: false },
  { name: "ALLOWED_DOWNLOAD_HOSTS", readBy: "app", required: false },
  { name: "RETENTION_HOURS", readBy: "app", required: false },
  { name: "DOWNLOAD_BLOCK_SIZE", readBy: "app", required: false },
  { name: "DOWNLOAD_CONCURRENCY", readBy: "app", required: false },
  { name: "ARCHIVE_MEMORY_BUDGET", readBy: "app", required: false },
  { name: "DELETE_AFTER_ARCHIVE", readBy: "app", required: false },
  { name: "ARCHIVE_EVENTS_ENDPOINT", readBy: "app", required: false, feature: "issue 10" },
  { name: "ARCHIVE_EVENTS_KEY", readBy: "app", required: false, feature: "issue 10" },
  { name: "ARCHIVE_EVENTS_SCHEMA", readBy: "app", required: false, feature: "issue 10" },
  { name: "APPLICATIONINSIGHTS_CONNECTION_STRING", readBy: "app", required: false, feature: "issue 10" },
  { name: "PARTICIPANT_INDEX_KEY", readBy: "app", required: false, feature: "issue 11" },
  { name: "BYOS_STORAGE_ACCOUNTS", readBy: "app", required: false, feature: "issue 11" },
  { name: "BYOS_COPY", readBy: "app", required: false, feature: "issue 11" },
  { name: "INTAKE_MAX_EVENTS_PER_DELIVERY", readBy: "app", required: false },
  { name: "INTAKE_MAX_RECORDINGS_PER_DELIVERY", readBy: "app", required: false },
  { name: "INTAKE_MAX_CHUNKS_PER_DELIVERY", readBy: "app", required: false },
  { name: "ALLOWED_CUSTOM_SERVICE_HOSTS", readBy: "app", required: false },
  { name: "AZURE_CLIENT_ID", readBy: "sdk", required: false },
  // Read by the host, and by the app's own telemetry exporter (Microsoft Entra ID with the managed identity).
  { name: "APPLICATIONINSIGHTS_AUTHENTICATION_STRING", readBy: "app", required: false },
  // The archive's lifecycle windows, for erasure receipts: previous blob versions are deleted once older than this many
  // days (0 or unset: kept), and deleted blobs and versions stay soft-deleted this many days.
  { name: "ARCHIVE_VERSION_DELETE_AFTER_DAYS", readBy: "app", required: false, feature: "data-subject erasure receipts" },
  { name: "ARCHIVE_SOFT_DELETE_DAYS", readBy: "app", required: false, feature: "data-subject erasure receipts" },
  // Set by App Service when its authentication (Microsoft Entra ID) runs in front of the app: only then are the
  // x-ms-client-principal* headers the platform's own.
  { name: "WEBSITE_AUTH_ENABLED", readBy: "app", required: false },
  // The event delivery path not chosen (template eventDelivery) is disabled.
  { name: "AzureWebJobs.recordingEventsWebhook.Disabled", readBy: "host", required: false },
  { name: "AzureWebJobs.recordingEventsGrid.Disabled", readBy: "host", required: false },
];

/** The listed setting that `key` sets (`AzureWebJobsStorage__clientId` -> AzureWebJobsStorage), if any. */
export function settingFor(key: string): SettingName | undefined {
  const exact = SETTING_NAMES.find((setting) => setting.name === key && setting.group === undefined);
  if (exact) return exact;
  const grouped = /^([A-Za-z0-9_]+?)__(0|[1-9]\d?)__([A-Z0-9_]+)$/.exec(key);
  const group = grouped && SETTING_NAMES.find((setting) => setting.name === grouped[1] && setting.group?.includes(grouped[3] ?? ""));
  if (group) return group;
  const separator = key.indexOf("__");
  if (separator < 0) return undefined;
  const base = SETTING_NAMES.find((setting) => setting.connection && setting.name === key.slice(0, separator));
  const suffix = key.slice(separator + 2);
  return base && (CONNECTION_SUFFIXES as readonly string[]).includes(suffix) ? base : undefined;
}
