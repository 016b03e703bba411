import { ConfigError } from "../errors";
import { isLoopbackHost } from "./downloadHosts";
import { optionalSetting, type Settings } from "./settingParsers";

type ArchiveEventSchema = "EventGrid" | "CloudEvent";

/** Where the archiver publishes its own events (RecordingArchived, ChunkArchiveFailed, ChunkDeadlineAtRisk). */
export interface ArchiveEventsConfig {
  /** The Event Grid topic endpoint (https; http only on loopback). */
  readonly endpoint: string;
  /** Topic access key; absent = Microsoft Entra ID (DefaultAzureCredential, the app's managed identity). */
  readonly key?: string;
  readonly schema: ArchiveEventSchema;
  /** True for a loopback http endpoint (local receiver): the SDK must be told to allow http. */
  readonly insecureLoopback: boolean;
}

/** ARCHIVE_EVENTS_ENDPOINT / ARCHIVE_EVENTS_KEY / ARCHIVE_EVENTS_SCHEMA; undefined when no endpoint is set. */
export function archiveEventsSetting(settings: Settings): ArchiveEventsConfig | undefined {
  const endpoint = optionalSetting(settings, "ARCHIVE_EVENTS_ENDPOINT");
  const schemaText = optionalSetting(settings, "ARCHIVE_EVENTS_SCHEMA") ?? "EventGrid";
  const schema = (["EventGrid", "CloudEvent"] as const).find((name) => name.toLowerCase() === schemaText.toLowerCase());
  if (!schema) throw new ConfigError("ARCHIVE_EVENTS_SCHEMA", `must be EventGrid or CloudEvent; got "${schemaText.slice(0, 40)}".`);
  if (endpoint === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new ConfigError("ARCHIVE_EVENTS_ENDPOINT", "is not an absolute URL (expected https://<topic>.<region>-1.eventgrid.azure.net/api/events).");
  }
  if (url.username || url.password || url.search) throw new ConfigError("ARCHIVE_EVENTS_ENDPOINT", "must not carry user information or a query string.");
  const loopback = isLoopbackHost(url.hostname);
  if (url.protocol !== "https:" && !(url.protocol === "http:" && loopback)) {
    throw new ConfigError("ARCHIVE_EVENTS_ENDPOINT", `uses ${url.protocol} (only https is allowed; http only for a loopback host).`);
  }
  const key = optionalSetting(settings, "ARCHIVE_EVENTS_KEY");
  return { endpoint: url.toString(), ...(key ? { key } : {}), schema, insecureLoopback: url.protocol === "http:" };
}
