import { ConfigError } from "../errors";
import { isLoopbackHost } from "./downloadHosts";

export interface AcsConnection {
  /** Origin of the ACS resource, e.g. `https://contoso.communication.azure.com` (no trailing slash). */
  readonly endpoint: string;
  /** `host[:port]` of the endpoint, as signed in HMAC requests. */
  readonly endpointHost: string;
  /** The access key, base64 as issued. Never log it. */
  readonly accessKey: string;
}

/**
 * Parses `endpoint=https://<resource>.communication.azure.com/;accesskey=<base64>`. The endpoint must
 * be https, except on a loopback host (the local simulator). Errors never include the key.
 */
export function parseAcsConnectionString(value: string, setting = "ACS_CONNECTION_STRING"): AcsConnection {
  const parts = new Map<string, string>();
  for (const segment of value.split(";")) {
    const at = segment.indexOf("=");
    if (at <= 0) continue;
    parts.set(segment.slice(0, at).trim().toLowerCase(), segment.slice(at + 1).trim());
  }
  const endpointText = parts.get("endpoint");
  const accessKey = parts.get("accesskey");
  if (!endpointText || !accessKey) {
    throw new ConfigError(
      setting,
      "must look like endpoint=https://<resource>.communication.azure.com/;accesskey=<key>.",
    );
  }
  let endpoint: URL;
  try {
    endpoint = new URL(endpointText);
  } catch {
    throw new ConfigError(setting, "has an endpoint that is not a URL.");
  }
  const secureEnough =
    endpoint.protocol === "https:" || (endpoint.protocol === "http:" && isLoopbackHost(endpoint.hostname));
  if (!secureEnough) throw new ConfigError(setting, "must use an https endpoint (http is allowed for loopback only).");
  if (endpoint.username || endpoint.password || endpoint.search || endpoint.hash || endpoint.pathname !== "/") {
    throw new ConfigError(setting, "must have an endpoint with only scheme, host and optional port.");
  }
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(accessKey) || Buffer.from(accessKey, "base64").length < 16) {
    throw new ConfigError(setting, "has an accesskey that is not a base64 key.");
  }
  return { endpoint: endpoint.origin, endpointHost: endpoint.host, accessKey };
}
