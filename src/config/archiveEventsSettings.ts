import { ConfigError } from "../errors";
import { customServiceHosts, serviceHostOf } from "./serviceHosts";
import { optionalSetting, type Settings } from "./settingParsers";

type ArchiveEventSchema = "EventGrid" | "CloudEvent";

/** Where the archiver publishes its own events (RecordingArchived, ChunkArchiveFailed, ChunkDeadlineAtRisk, RecordingDeadlineAtRisk). */
export interface ArchiveEventsConfig {
  /** The Event Grid topic endpoint (an Azure Event Grid host, an ALLOWED_CUSTOM_SERVICE_HOSTS host, or http(s) on loopback). */
  readonly endpoint: string;
  /** Topic access key; absent = Microsoft Entra ID (DefaultAzureCredential, the app's managed identity). */
  readonly key?: string;
  readonly schema: ArchiveEventSchema;
  /** True for a loopback http endpoint (local receiver): the SDK must be told to allow http. */
  readonly insecureLoopback: boolean;
}

const EXPECTED_ENDPOINT =
  "https://<topic>.<region>-1.eventgrid.azure.net/api/events, or a sovereign cloud's eventgrid.azure.us / .cn";

/** ARCHIVE_EVENTS_ENDPOINT / ARCHIVE_EVENTS_KEY / ARCHIVE_EVENTS_SCHEMA; undefined when no endpoint is set. */
export function archiveEventsSetting(settings: Settings): ArchiveEventsConfig | undefined {
  const endpoint = optionalSetting(settings, "ARCHIVE_EVENTS_ENDPOINT");
  const schemaText = optionalSetting(settings, "ARCHIVE_EVENTS_SCHEMA") ?? "EventGrid";
  const schema = (["EventGrid", "CloudEvent"] as const).find((name) => name.toLowerCase() === schemaText.toLowerCase());
  if (!schema) throw new ConfigError("ARCHIVE_EVENTS_SCHEMA", "must be EventGrid or CloudEvent.");
  if (endpoint === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new ConfigError("ARCHIVE_EVENTS_ENDPOINT", `is not an absolute URL (expected ${EXPECTED_ENDPOINT}).`);
  }
  if (url.username || url.password || /[?#]/.test(endpoint)) {
    throw new ConfigError(
      "ARCHIVE_EVENTS_ENDPOINT",
      `must not carry user information, a query string or a fragment (expected ${EXPECTED_ENDPOINT}).`,
    );
  }
  // The topic key or the app's Entra token, and every event, go to this host: only Event Grid's own (or an opted-in one).
  serviceHostOf(url, "eventGrid", customServiceHosts(settings), "ARCHIVE_EVENTS_ENDPOINT", EXPECTED_ENDPOINT);
  const key = optionalSetting(settings, "ARCHIVE_EVENTS_KEY");
  return { endpoint: url.toString(), ...(key ? { key } : {}), schema, insecureLoopback: url.protocol === "http:" };
}
