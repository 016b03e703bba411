import { ConfigError } from "../errors";
import { serviceHostOf, type CustomServiceHost } from "./serviceHosts";

export const BYOS_SETTING = "BYOS_STORAGE_ACCOUNTS";

const EXPECTED =
  "https://<account>.blob.core.windows.net/<container>, the recordingDestinationContainerUrl ACS writes into";

/** A destination container ACS writes bring-your-own-storage recordings into (one BYOS_STORAGE_ACCOUNTS entry). */
export interface ByosContainer {
  /** `https://<account>.blob.<suffix>/<container>` lower-cased, no trailing slash (path-style for Azurite: `http://127.0.0.1:10000/<account>/<container>`). */
  readonly url: string;
  /** The account's blob endpoint: the origin, plus the account segment for path-style (loopback) endpoints. */
  readonly account: string;
  readonly container: string;
}

/** Blob container names: 3-63 lowercase letters, digits and single hyphens (so never `$logs`, `$root`, `$web`). */
const CONTAINER_NAME = /^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/;

/**
 * One BYOS_STORAGE_ACCOUNTS entry: the URL of a destination container. An entry naming a whole account (the setting's
 * former meaning) is refused: it would let an event name any blob of the account, other containers and `$logs` too.
 */
export function byosContainer(entry: string, custom: readonly CustomServiceHost[]): ByosContainer {
  const text = /^[a-z][a-z0-9+.-]*:\/\//i.test(entry) ? entry : `https://${entry}`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConfigError(BYOS_SETTING, `has an entry that is not a container URL (expected ${EXPECTED}).`);
  }
  if (url.username || url.password || /[?#]/.test(text)) {
    throw new ConfigError(
      BYOS_SETTING,
      `has an entry with user information, a query (a SAS) or a fragment; expected ${EXPECTED}, nothing more.`,
    );
  }
  const kind = serviceHostOf(url, "blob", custom, BYOS_SETTING, EXPECTED);
  const segments = url.pathname.replace(/\/+$/, "").split("/").slice(1);
  // Path-style endpoints name the account in the path first (/<account>/<container>): always on loopback (Azurite),
  // as the entry says on a custom host.
  const accountSegments = kind === "loopback" || (kind === "custom" && segments.length === 2) ? 1 : 0;
  if (segments.length === accountSegments) {
    throw new ConfigError(
      BYOS_SETTING,
      `has an entry that names a whole storage account; it must name the destination container (expected ${EXPECTED}), so that events can name only the blobs ACS writes there.`,
    );
  }
  const container = segments[accountSegments] ?? "";
  if (segments.length !== accountSegments + 1 || !CONTAINER_NAME.test(container)) {
    throw new ConfigError(BYOS_SETTING, `has an entry whose path is not one container name (expected ${EXPECTED}).`);
  }
  const account = `${url.origin}${segments
    .slice(0, accountSegments)
    .map((segment) => `/${segment}`)
    .join("")}`.toLowerCase();
  return { url: `${account}/${container}`, account, container };
}
