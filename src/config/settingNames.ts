import { ACS_RESOURCE_FIELDS } from "./acsResources";

/**
 * Every app setting the deployed app reads, in one list: the one place a setting is added. Checked against it:
 * the config parser and infra/main.bicep (test/infra/appSettings.test.ts), each `default` against the parser,
 * local.settings.json.example, the tables of README.md and docs/settings.md (test/config/settingNames.test.ts);
 * the command line's `--help` prints its list from it (src/cli/usage.ts).
 *
 * - `app`: parsed by src/config (or, for telemetry and App Service authentication, read where it is used).
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
  /**
   * What the app uses when the setting is not set, spelled as a setting value (`8MiB`, `24`); absent when "not set"
   * means off, none, or the fallback the description names. Setting it to this value changes nothing (tested).
   */
  readonly default?: string;
  /** One line for the settings tables and `--help`: what it does, in the operator's words. */
  readonly description: string;
  /** Read by the Functions app only: the command line (`recording-archiver`) ignores it. */
  readonly functionsOnly?: boolean;
}

const CONNECTION_SUFFIXES = ["accountName", "blobServiceUri", "queueServiceUri", "credential", "clientId"] as const;

export const SETTING_NAMES: readonly SettingName[] = [
  {
    name: "AzureWebJobsStorage",
    readBy: "app",
    required: true,
    connection: true,
    description:
      "Host storage (the chunk queue; the archive too by default): a connection string, or identity-based `__queueServiceUri` + `__blobServiceUri`.",
  },
  {
    name: "RECORDINGS_STORAGE",
    readBy: "app",
    required: false,
    connection: true,
    description:
      "Storage account of the archive and the quarantine, when not host storage (a connection string, or `__blobServiceUri`).",
  },
  {
    name: "RECORDINGS_CONTAINER",
    readBy: "app",
    required: false,
    default: "recordings",
    description: "Container of the archive: media, metadata JSON, records.",
  },
  {
    name: "CHUNK_QUEUE",
    readBy: "app",
    required: false,
    default: "recording-chunks",
    description: "Queue in host storage between intake and archiver; poison messages land in `<CHUNK_QUEUE>-poison`.",
  },
  // Required unless ACS_RESOURCES groups are set (src/config/acsResources.ts).
  {
    name: "ACS_CONNECTION_STRING",
    readBy: "app",
    required: false,
    description:
      "`endpoint=https://…;accesskey=…` of the ACS resource: signs downloads and the control API (required without `ACS_RESOURCES` groups).",
  },
  {
    name: "ACS_SECONDARY_CONNECTION_STRING",
    readBy: "app",
    required: false,
    description: "The same resource's other key, tried once when ACS refuses the first: key rotation loses nothing.",
  },
  {
    name: "ACS_RESOURCES",
    readBy: "app",
    required: false,
    group: ACS_RESOURCE_FIELDS,
    description:
      "Several ACS resources: one group of `RESOURCE_ID`, `CONNECTION_STRING`, `SECONDARY_CONNECTION_STRING` per resource (n = 0, 1, …).",
  },
  {
    name: "ALLOWED_ACS_RESOURCES",
    readBy: "app",
    required: false,
    description:
      "ACS resource ids whose events are accepted (comma-separated); empty accepts any ACS resource, with a warning: set it in production.",
  },
  {
    name: "ALLOWED_DOWNLOAD_HOSTS",
    readBy: "app",
    required: false,
    description:
      "Hosts a chunk URL may name beside ACS's own (`host`, `host:port`, `.suffix`); loopback hosts may use http (the simulator).",
  },
  {
    name: "RETENTION_HOURS",
    readBy: "app",
    required: false,
    default: "24",
    description: "How long ACS keeps a recording after its event: each chunk's deadline is the event's time plus this.",
  },
  {
    name: "DOWNLOAD_BLOCK_SIZE",
    readBy: "app",
    required: false,
    default: "8MiB",
    description:
      "Size of each ranged GET (256 KiB – 256 MiB; `KiB`/`MiB` are powers of 1024, `kB`/`MB` powers of 1000).",
  },
  {
    name: "DOWNLOAD_CONCURRENCY",
    readBy: "app",
    required: false,
    default: "8",
    description: "Ranged GETs in flight per chunk (1–64).",
  },
  {
    name: "ARCHIVE_MEMORY_BUDGET",
    readBy: "app",
    required: false,
    default: "1GiB",
    description:
      "Bytes of chunk buffers the whole process may hold, shared by every chunk in flight (the default fits a 2,048 MB instance).",
  },
  {
    name: "DELETE_AFTER_ARCHIVE",
    readBy: "app",
    required: false,
    default: "false",
    description: "Delete the ACS copy once the chunk's media and metadata are committed and verified.",
  },
  {
    name: "ARCHIVE_EVENTS_ENDPOINT",
    readBy: "app",
    required: false,
    description: "Event Grid topic endpoint for the archiver's own events (`RecordingArchived`, …); empty: no events.",
  },
  {
    name: "ARCHIVE_EVENTS_KEY",
    readBy: "app",
    required: false,
    description: "The topic's access key; empty: the app's Microsoft Entra identity (EventGrid Data Sender).",
  },
  {
    name: "ARCHIVE_EVENTS_SCHEMA",
    readBy: "app",
    required: false,
    default: "EventGrid",
    description: "`EventGrid` or `CloudEvent`: the topic's input schema.",
  },
  {
    name: "APPLICATIONINSIGHTS_CONNECTION_STRING",
    readBy: "app",
    required: false,
    functionsOnly: true,
    description: "Sends traces and metrics to Application Insights (OpenTelemetry); empty: telemetry off.",
  },
  {
    name: "PARTICIPANT_INDEX_KEY",
    readBy: "app",
    required: false,
    description:
      "Key of the participant index (base64 of at least 32 random bytes); unset: nothing indexed, the participants API answers 503.",
  },
  {
    name: "BYOS_STORAGE_ACCOUNTS",
    readBy: "app",
    required: false,
    description:
      "Container URLs ACS writes bring-your-own-storage recordings into: their chunks are catalogued, never downloaded from ACS.",
  },
  {
    name: "BYOS_COPY",
    readBy: "app",
    required: false,
    default: "false",
    description: "Also copy bring-your-own-storage chunks into the archive container, server-side, verified.",
  },
  {
    name: "INTAKE_MAX_EVENTS_PER_DELIVERY",
    readBy: "app",
    required: false,
    default: "5000",
    description: "Events one delivery may carry (1–5,000); above it the delivery is refused whole (413).",
  },
  {
    name: "INTAKE_MAX_RECORDINGS_PER_DELIVERY",
    readBy: "app",
    required: false,
    default: "1000",
    description: "Distinct recordings one delivery may name (1–5,000); above it, 413.",
  },
  {
    name: "INTAKE_MAX_CHUNKS_PER_DELIVERY",
    readBy: "app",
    required: false,
    default: "2000",
    description: "Chunk entries one delivery may list, valid or not (1–10,000); above it, 413.",
  },
  {
    name: "ALLOWED_CUSTOM_SERVICE_HOSTS",
    readBy: "app",
    required: false,
    description:
      "Hosts outside Azure's own endpoints that `BYOS_STORAGE_ACCOUNTS` and `ARCHIVE_EVENTS_ENDPOINT` may name (hosts you control).",
  },
  {
    name: "AZURE_CLIENT_ID",
    readBy: "sdk",
    required: false,
    description:
      "Client id of the user-assigned managed identity that `DefaultAzureCredential` uses (the template sets it).",
  },
  // Read by the host, and by the app's own telemetry exporter (Microsoft Entra ID with the managed identity).
  {
    name: "APPLICATIONINSIGHTS_AUTHENTICATION_STRING",
    readBy: "app",
    required: false,
    functionsOnly: true,
    description:
      "`Authorization=AAD;ClientId=<identity client id>`: telemetry is sent with that identity's Microsoft Entra token.",
  },
  // The archive's lifecycle windows, for erasure receipts: previous blob versions are deleted once older than this many
  // days (0 or unset: kept), and deleted blobs and versions stay soft-deleted this many days.
  {
    name: "ARCHIVE_VERSION_DELETE_AFTER_DAYS",
    readBy: "app",
    required: false,
    description:
      "Days after which the archive's lifecycle rule deletes previous blob versions, stated in erasure receipts (the template sets it).",
  },
  {
    name: "ARCHIVE_SOFT_DELETE_DAYS",
    readBy: "app",
    required: false,
    description: "The archive's soft-delete retention in days, stated in erasure receipts (the template sets it).",
  },
  // Set by App Service when its authentication (Microsoft Entra ID) runs in front of the app: only then are the
  // x-ms-client-principal* headers the platform's own.
  {
    name: "WEBSITE_AUTH_ENABLED",
    readBy: "app",
    required: false,
    functionsOnly: true,
    description:
      "Set by App Service when its authentication (Microsoft Entra ID) runs in front of the app; never set it yourself.",
  },
  // The event delivery path not chosen (template eventDelivery) is disabled.
  {
    name: "AzureWebJobs.recordingEventsWebhook.Disabled",
    readBy: "host",
    required: false,
    description: "`true` disables the webhook (the template sets it unless `EVENT_DELIVERY=Webhook`).",
  },
  {
    name: "AzureWebJobs.recordingEventsGrid.Disabled",
    readBy: "host",
    required: false,
    description: "`true` disables the Event Grid trigger (the template sets it with `EVENT_DELIVERY=Webhook`).",
  },
];

/** How a setting is written in documentation and `--help`: `ACS_RESOURCES__<n>__<FIELD>` for a group, else its name. */
export function settingDisplayName(setting: SettingName): string {
  return setting.group ? `${setting.name}__<n>__<FIELD>` : setting.name;
}

/** The listed setting that `key` sets (`AzureWebJobsStorage__clientId` -> AzureWebJobsStorage), if any. */
export function settingFor(key: string): SettingName | undefined {
  const exact = SETTING_NAMES.find((setting) => setting.name === key && setting.group === undefined);
  if (exact) return exact;
  const grouped = /^([A-Za-z0-9_]+?)__(0|[1-9]\d?)__([A-Z0-9_]+)$/.exec(key);
  const group =
    grouped &&
    SETTING_NAMES.find((setting) => setting.name === grouped[1] && setting.group?.includes(grouped[3] ?? ""));
  if (group) return group;
  const separator = key.indexOf("__");
  if (separator < 0) return undefined;
  const base = SETTING_NAMES.find((setting) => setting.connection && setting.name === key.slice(0, separator));
  const suffix = key.slice(separator + 2);
  return base && (CONNECTION_SUFFIXES as readonly string[]).includes(suffix) ? base : undefined;
}
