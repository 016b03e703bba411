import { ConfigError } from "../errors";

/** Host suffixes ACS serves recording files from (the same list the official SDK allows). */
export const ACS_DOWNLOAD_HOST_SUFFIXES: readonly string[] = [
  ".asm.skype.com",
  ".asyncgw.teams.microsoft.com",
  ".ams.gov.teams.microsoft.us",
];

interface AllowedHost {
  readonly hostname: string;
  /** As written in the setting; "" means the default port of the URL's scheme. */
  readonly port: string;
  readonly allowHttp: boolean;
}

/** Which hosts may receive a signed download request. */
export interface DownloadHostPolicy {
  readonly suffixes: readonly string[];
  readonly hosts: readonly AllowedHost[];
}

function defaultPort(protocol: string): string {
  return protocol === "http:" ? "80" : "443";
}

export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  return host === "localhost" || host === "[::1]" || host === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

function isIpLiteral(hostname: string): boolean {
  return hostname.startsWith("[") || /^\d{1,3}(\.\d{1,3}){3}$/.test(hostname);
}

/**
 * Builds the policy from ALLOWED_DOWNLOAD_HOSTS entries (`host`, `host:port`, `[::1]:port`, or
 * `.suffix`), the built-in ACS suffixes and the endpoints of the ACS resources the app signs for.
 */
export function buildDownloadHostPolicy(
  entries: readonly string[],
  acsEndpoints: readonly string[],
  setting = "ALLOWED_DOWNLOAD_HOSTS",
): DownloadHostPolicy {
  const suffixes = [...ACS_DOWNLOAD_HOST_SUFFIXES];
  const hosts: AllowedHost[] = [];
  for (const entry of entries) {
    if (entry.startsWith(".")) {
      if (!/^(\.[a-z0-9-]+){2,}$/i.test(entry))
        throw new ConfigError(setting, "has an invalid host suffix (expected .<domain>.<tld>).");
      suffixes.push(entry.toLowerCase());
      continue;
    }
    const host = parseHostEntry(entry, setting);
    hosts.push({ ...host, allowHttp: isLoopbackHost(host.hostname) });
  }
  for (const acsEndpoint of acsEndpoints) {
    const endpoint = new URL(acsEndpoint);
    hosts.push({ hostname: endpoint.hostname, port: endpoint.port, allowHttp: endpoint.protocol === "http:" });
  }
  return { suffixes, hosts };
}

/** One `host`, `host:port` or `[::1]:port` entry of a host list setting (never echoed in the error). */
export function parseHostEntry(entry: string, setting: string): { readonly hostname: string; readonly port: string } {
  let parsed: URL;
  try {
    parsed = new URL(`https://${entry}`);
  } catch {
    throw new ConfigError(setting, "has an entry that is not a host or host:port.");
  }
  if (
    parsed.username ||
    parsed.password ||
    parsed.pathname !== "/" ||
    parsed.search ||
    parsed.hash ||
    entry.includes("/")
  ) {
    throw new ConfigError(setting, "has an entry that is not a host or host:port.");
  }
  // The URL parser drops ":443" (https default), so the port is taken from the entry as written.
  const port = /:(\d+)$/.exec(entry)?.[1] ?? "";
  return { hostname: parsed.hostname, port: port === "" ? "" : String(Number(port)) };
}

/**
 * Returns why `text` must not receive a signed request, or undefined when it may. Only absolute
 * https URLs on allowed hosts and default ports pass; http only for explicitly allowed loopback hosts.
 */
export function downloadUrlProblem(policy: DownloadHostPolicy, text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return "is not an absolute URL";
  }
  if (url.protocol !== "https:" && url.protocol !== "http:")
    return `uses scheme ${url.protocol} (only https is allowed)`;
  if (url.username || url.password) return "carries user information";
  const hostname = url.hostname.toLowerCase();
  // Ports compare as numbers, each side's default taken from the URL's own scheme.
  const urlPort = url.port || defaultPort(url.protocol);
  const explicit = policy.hosts.find(
    (host) => host.hostname === hostname && (host.port || defaultPort(url.protocol)) === urlPort,
  );
  if (explicit) {
    return url.protocol === "https:" || explicit.allowHttp ? undefined : "uses http (only https is allowed)";
  }
  if (policy.hosts.some((host) => host.hostname === hostname))
    return `uses port ${url.port || "(default)"}, which is not allowed for ${hostname}`;
  if (isIpLiteral(hostname)) return `names an IP address (${hostname}) that is not allowed`;
  if (!policy.suffixes.some((suffix) => hostname.endsWith(suffix) && hostname.length > suffix.length)) {
    return `names host ${hostname}, which is not an allowed ACS download host`;
  }
  if (url.port !== "") return `uses port ${url.port} (only the default port is allowed)`;
  if (url.protocol !== "https:") return "uses http (only https is allowed)";
  return undefined;
}
