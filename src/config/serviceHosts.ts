import { ConfigError } from "../errors";
import { isLoopbackHost, parseHostEntry } from "./downloadHosts";
import { listSetting, type Settings } from "./settingParsers";

/**
 * Which hosts the app may send its Storage token, a topic key or archive events to. A setting naming a service
 * (BYOS_STORAGE_ACCOUNTS, ARCHIVE_EVENTS_ENDPOINT) must name an Azure endpoint of that service — in the public or a
 * sovereign cloud — so that a typo or a look-alike host never receives the app's credential or personal data; any
 * other host only when ALLOWED_CUSTOM_SERVICE_HOSTS lists it exactly. Loopback stays allowed for local work.
 */

/**
 * Blob endpoint suffixes: public (core.windows.net), China (21Vianet), US Government, US Government Secret and Top
 * Secret, and the partner-operated sovereign clouds (Bleu, Delos, GovSG), as the Azure SDKs' cloud tables name them.
 * The retired Azure Germany cloud (core.cloudapi.de) is not one of them.
 */
const AZURE_BLOB_HOST_SUFFIXES: readonly string[] = [
  "core.windows.net",
  "core.chinacloudapi.cn",
  "core.usgovcloudapi.net",
  "core.microsoft.scloud",
  "core.eaglex.ic.gov",
  "core.sovcloud-api.fr",
  "core.sovcloud-api.de",
  "core.sovcloud-api.sg",
];

/** Event Grid topic endpoint suffixes: public, US Government, China, US Government Top Secret and Secret. */
const AZURE_EVENT_GRID_HOST_SUFFIXES: readonly string[] = [
  "eventgrid.azure.net",
  "eventgrid.azure.us",
  "eventgrid.azure.cn",
  "eventgrid.azure.eaglex.ic.gov",
  "eventgrid.azure.microsoft.scloud",
];

const SUFFIX_GROUP = (suffixes: readonly string[]): string =>
  suffixes.map((suffix) => suffix.replace(/[.-]/g, (char) => `\\${char}`)).join("|");

/**
 * `<account>.blob.<suffix>`, its private-link name `<account>.privatelink.blob.<suffix>`, and the Azure DNS zone
 * endpoint `<account>.z<00-99>.blob.storage.azure.net` (accounts created with dnsEndpointType AzureDnsZone).
 * Account names are 3-24 lowercase letters and digits.
 */
const AZURE_BLOB_HOST = new RegExp(
  `^[a-z0-9]{3,24}\\.(?:(?:privatelink\\.)?blob\\.(?:${SUFFIX_GROUP(AZURE_BLOB_HOST_SUFFIXES)})|z[0-9]{2}\\.blob\\.storage\\.azure\\.net)$`,
);

/** `<topic or domain>.<region>-<n>.eventgrid.azure.<cloud>` (topic names: 3-50 letters, digits and hyphens). */
const EVENT_GRID_HOST = new RegExp(
  `^[a-z0-9][a-z0-9-]{1,48}[a-z0-9]\\.[a-z0-9]+(?:-[0-9]+)?\\.(?:${SUFFIX_GROUP(AZURE_EVENT_GRID_HOST_SUFFIXES)})$`,
);

const CUSTOM_SERVICE_HOSTS_SETTING = "ALLOWED_CUSTOM_SERVICE_HOSTS";

/** A host a service setting may name without being an Azure endpoint of that service. */
export interface CustomServiceHost {
  readonly hostname: string;
  /** As written in the entry; "" = the default https port only. */
  readonly port: string;
}

/** ALLOWED_CUSTOM_SERVICE_HOSTS: exact `host` or `host:port` entries (Azure Stack Hub, a proxy you run); empty by default. */
export function customServiceHosts(settings: Settings): readonly CustomServiceHost[] {
  return listSetting(settings, CUSTOM_SERVICE_HOSTS_SETTING).map((entry) =>
    parseHostEntry(entry, CUSTOM_SERVICE_HOSTS_SETTING),
  );
}

export function isAzureBlobHost(hostname: string): boolean {
  return AZURE_BLOB_HOST.test(hostname.toLowerCase());
}

function isEventGridHost(hostname: string): boolean {
  return EVENT_GRID_HOST.test(hostname.toLowerCase());
}

/** How a service URL's host was allowed: Azure's own endpoint, an opted-in custom host, or loopback (local work). */
export type ServiceHostKind = "azure" | "custom" | "loopback";

/**
 * Checks the scheme, host and port of a URL a service setting names and says how it was allowed; throws a ConfigError
 * that names the setting and the expected shape (never the value). https only; http for loopback hosts only.
 */
export function serviceHostOf(
  url: URL,
  service: "blob" | "eventGrid",
  custom: readonly CustomServiceHost[],
  setting: string,
  expected: string,
): ServiceHostKind {
  const hostname = url.hostname.toLowerCase();
  if (isLoopbackHost(hostname)) {
    if (url.protocol !== "https:" && url.protocol !== "http:")
      throw new ConfigError(setting, `must use https (http only for a loopback host); expected ${expected}.`);
    return "loopback";
  }
  if (url.protocol !== "https:")
    throw new ConfigError(setting, `must use https (http only for a loopback host); expected ${expected}.`);
  const listed = custom.find((host) => host.hostname === hostname);
  if (listed) {
    if (url.port !== "" && url.port !== listed.port)
      throw new ConfigError(setting, `uses a port that ${CUSTOM_SERVICE_HOSTS_SETTING} does not list for its host.`);
    return "custom";
  }
  const azure = service === "blob" ? isAzureBlobHost(hostname) : isEventGridHost(hostname);
  if (!azure) {
    const what =
      service === "blob"
        ? "an Azure Blob Storage endpoint of a known cloud"
        : "an Azure Event Grid topic endpoint of a known cloud";
    throw new ConfigError(
      setting,
      `must name ${what} (expected ${expected}); another host only when ${CUSTOM_SERVICE_HOSTS_SETTING} lists it exactly (loopback is always allowed).`,
    );
  }
  if (url.port !== "")
    throw new ConfigError(setting, `must not name a port for an Azure endpoint (expected ${expected}).`);
  return "azure";
}
