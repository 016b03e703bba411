import { ConfigError } from "../errors";
import { printable } from "../shared/logSafe";
import { parseAcsConnectionString, type AcsConnection } from "./acsConnectionString";
import { normalizeResourceId, parseResourceId, resourceName } from "./acsResourceId";
import { isLoopbackHost } from "./downloadHosts";
import { optionalSetting, type Settings } from "./settingParsers";

/**
 * The ACS resources the app signs requests for, and with which access keys (docs/architecture.md, "Several ACS resources and key rotation").
 *
 * - `ACS_CONNECTION_STRING` (+ optional `ACS_SECONDARY_CONNECTION_STRING`): the default connection. Without
 *   resource groups it signs for every event, as it always did.
 * - `ACS_RESOURCES__<n>__RESOURCE_ID`, `ACS_RESOURCES__<n>__CONNECTION_STRING` and optional
 *   `ACS_RESOURCES__<n>__SECONDARY_CONNECTION_STRING` (n = 0, 1, …): one group per resource, one app setting per
 *   secret so each can be a Key Vault reference. With groups the accepted resources are explicit: the groups' and
 *   the ALLOWED_ACS_RESOURCES entries; the default connection then signs only for ALLOWED_ACS_RESOURCES entries
 *   without a group of their own, and an event from any other resource is quarantined naming the settings to add.
 *
 * Choosing a key by the event's resource is not a security boundary (an event's topic is what its sender wrote):
 * whichever key signs, the request goes only to an allowed download host (downloadHosts.ts), and an HMAC signature
 * does not reveal the key. A wrong choice costs a 401, never a credential.
 */

const ACS_RESOURCES_SETTING = "ACS_RESOURCES";
/** The fields of one ACS_RESOURCES__<n> group. */
export const ACS_RESOURCE_FIELDS = ["RESOURCE_ID", "CONNECTION_STRING", "SECONDARY_CONNECTION_STRING"] as const;
type AcsResourceField = (typeof ACS_RESOURCE_FIELDS)[number];
/** Groups are numbered 0 to MAX_GROUP_INDEX (gaps allowed). */
const MAX_GROUP_INDEX = 99;

export type AcsKeyName = "primary" | "secondary";

/** One resource's connection: its endpoint, its one or two keys, and the settings they come from (for messages). */
export interface AcsResourceConnection {
  /** Lower-cased resource id; absent for the default connection (ACS_CONNECTION_STRING). */
  readonly resourceId?: string;
  /** The group's index n (ACS_RESOURCES__<n>__…); absent for the default connection. */
  readonly groupIndex?: number;
  /** For logs: the resource's name, or the setting of the default connection. Never a key. */
  readonly label: string;
  readonly primary: AcsConnection;
  /** Same endpoint, the other key (for rotation without loss). */
  readonly secondary?: AcsConnection;
  /** The setting each key comes from. */
  readonly keySettings: { readonly primary: string; readonly secondary: string };
}

/** The connection of an ACS_RESOURCES__<n> group. */
type AcsResourceGroup = AcsResourceConnection & { readonly resourceId: string; readonly groupIndex: number };

export interface AcsResources {
  /** One per ACS_RESOURCES__<n> group, by index. */
  readonly groups: readonly AcsResourceGroup[];
  /** ACS_CONNECTION_STRING: every resource without a group when there are no groups, else `defaultServes`. */
  readonly defaultConnection?: AcsResourceConnection;
  /** The ALLOWED_ACS_RESOURCES entries without a group of their own (lower-cased): with groups, all the default connection signs for. */
  readonly defaultServes: readonly string[];
  /** The index a new group would take (for messages that say which settings to add). */
  readonly nextGroupIndex: number;
}

/**
 * Reads the default connection and the resource groups; `allowed` is the parsed ALLOWED_ACS_RESOURCES. Throws
 * ConfigError naming the setting (never its value: connection strings hold keys).
 */
export function parseAcsResources(settings: Settings, allowed: readonly string[]): AcsResources {
  const groups = readGroups(settings);
  const defaultConnection = readConnection(settings, {
    label: "ACS_CONNECTION_STRING",
    primary: "ACS_CONNECTION_STRING",
    secondary: "ACS_SECONDARY_CONNECTION_STRING",
  });
  if (!defaultConnection && groups.length === 0) {
    throw new ConfigError(
      "ACS_CONNECTION_STRING",
      "is required but not set (or, for several ACS resources, ACS_RESOURCES__0__RESOURCE_ID with ACS_RESOURCES__0__CONNECTION_STRING).",
      "missing",
    );
  }
  const grouped = new Set(groups.map((group) => group.resourceId));
  const maxIndex = Math.max(-1, ...groups.map((group) => group.groupIndex));
  return {
    groups,
    ...(defaultConnection ? { defaultConnection } : {}),
    defaultServes: allowed.filter((resource) => !grouped.has(resource)),
    nextGroupIndex: maxIndex + 1,
  };
}

/** The connection that signs for `resource` (a chunk's resource: lower-cased id, or "" when the event named none). */
export function acsConnectionFor(resources: AcsResources, resource: string): AcsResourceConnection | undefined {
  const id = normalizeResourceId(resource);
  const group = resources.groups.find((candidate) => candidate.resourceId === id);
  if (group) return group;
  if (resources.groups.length === 0 || resources.defaultServes.includes(id)) return resources.defaultConnection;
  return undefined;
}

/**
 * Why intake must not accept an event of `resource`, or undefined when it may: with resource groups, only the groups'
 * and the ALLOWED_ACS_RESOURCES entries are accepted; and a chunk that needs a signed request (`needsKey`: not a
 * bring-your-own-storage chunk) needs a key for its resource. The sentence names the settings to add.
 */
export function unservedResourceProblem(
  resources: AcsResources,
  resource: string,
  needsKey: boolean,
): string | undefined {
  if (resources.groups.length === 0) return undefined;
  const id = normalizeResourceId(resource);
  const listed = resources.groups.some((group) => group.resourceId === id) || resources.defaultServes.includes(id);
  if (listed && (!needsKey || acsConnectionFor(resources, id))) return undefined;
  return missingKeyProblem(resources, id, listed);
}

/** The sentence for a resource without a key: what it is, and which settings to add. */
export function missingKeyProblem(
  resources: AcsResources,
  resource: string,
  listed = resources.defaultServes.includes(resource),
): string {
  const group = `ACS_RESOURCES__${resources.nextGroupIndex}`;
  const add = `add ${group}__RESOURCE_ID (this resource id) and ${group}__CONNECTION_STRING (its connection string, e.g. a Key Vault reference)`;
  if (resource === "")
    return `names no ACS resource, and this app has access keys for named resources only (ACS_RESOURCES__<n>__RESOURCE_ID)`;
  const shown = printable(resource);
  if (listed)
    return `names ${shown}, which ALLOWED_ACS_RESOURCES lists but no access key serves: set ACS_CONNECTION_STRING, or ${add}`;
  return `names ${shown}, which is not an ACS resource this app has an access key for: ${add}`;
}

/** Every endpoint (origin) the app signs for: each may receive signed requests. */
export function acsEndpoints(resources: AcsResources): string[] {
  return [...new Set(acsConnections(resources).map((connection) => connection.primary.endpoint))];
}

/** The connections a request may be signed with, default connection last. */
export function acsConnections(resources: AcsResources): AcsResourceConnection[] {
  return [...resources.groups, ...(resources.defaultConnection ? [resources.defaultConnection] : [])];
}

/** What an operator should look at, once at start: settings that parse but cannot all be meant. Never a value. */
export function acsResourceWarnings(resources: AcsResources): string[] {
  const warnings: string[] = [];
  if (resources.groups.length > 0 && resources.defaultConnection && resources.defaultServes.length === 0) {
    warnings.push(
      "ACS_CONNECTION_STRING is set but signs for no resource: with ACS_RESOURCES__<n> groups it serves only the " +
        "ALLOWED_ACS_RESOURCES entries that have no group of their own. Remove it, or list its resource in ALLOWED_ACS_RESOURCES.",
    );
  }
  if (resources.groups.length === 0 && resources.defaultServes.length > 1) {
    warnings.push(
      `ALLOWED_ACS_RESOURCES lists ${resources.defaultServes.length} resources, but ACS_CONNECTION_STRING holds the key of one: ` +
        "downloads of the others are refused (401). Give each resource its own ACS_RESOURCES__<n>__RESOURCE_ID and __CONNECTION_STRING.",
    );
  }
  if (resources.groups.length > 0 && !resources.defaultConnection) {
    for (const resource of resources.defaultServes) {
      warnings.push(
        `ALLOWED_ACS_RESOURCES lists ${resourceName(resource)}, but no access key serves it: its recording events are quarantined until you add one.`,
      );
    }
  }
  for (const group of resources.groups) {
    const host = new URL(group.primary.endpoint).hostname.toLowerCase();
    const name = resourceName(group.resourceId);
    if (!isLoopbackHost(host) && !host.startsWith(`${name}.`)) {
      warnings.push(
        `${group.keySettings.primary} has an endpoint whose host does not start with "${name}.", the resource named by ` +
          `ACS_RESOURCES__${group.groupIndex}__RESOURCE_ID: check that the id and the connection string belong to the same resource.`,
      );
    }
  }
  return warnings;
}

function readGroups(settings: Settings): AcsResourceGroup[] {
  const indices = new Set<number>();
  for (const key of Object.keys(settings)) {
    if (!key.toUpperCase().startsWith(ACS_RESOURCES_SETTING)) continue;
    if (key === "ACS_RESOURCES" && optionalSetting(settings, key) === undefined) continue;
    const match = /^ACS_RESOURCES__(0|[1-9]\d?)__([A-Z_]+)$/.exec(key);
    const field = match?.[2];
    if (!match || !(ACS_RESOURCE_FIELDS as readonly string[]).includes(field ?? "")) {
      throw new ConfigError(
        key,
        `is not an ACS resource setting: use ACS_RESOURCES__<n>__${ACS_RESOURCE_FIELDS.join(", ACS_RESOURCES__<n>__")} (n from 0 to ${MAX_GROUP_INDEX}, upper case).`,
      );
    }
    if (optionalSetting(settings, key) !== undefined) indices.add(Number(match[1]));
  }
  const groups: AcsResourceGroup[] = [];
  for (const index of [...indices].sort((a, b) => a - b)) {
    const name = (field: AcsResourceField): string => `${ACS_RESOURCES_SETTING}__${index}__${field}`;
    const idText = optionalSetting(settings, name("RESOURCE_ID"));
    if (idText === undefined)
      throw new ConfigError(
        name("RESOURCE_ID"),
        `is required with the other ${ACS_RESOURCES_SETTING}__${index}__ settings.`,
        "missing",
      );
    const resourceId = parseResourceId(idText, name("RESOURCE_ID"));
    const earlier = groups.find((group) => group.resourceId === resourceId);
    if (earlier)
      throw new ConfigError(
        name("RESOURCE_ID"),
        `names the same resource as ACS_RESOURCES__${earlier.groupIndex}__RESOURCE_ID.`,
      );
    const connection = readConnection(settings, {
      label: resourceName(resourceId),
      primary: name("CONNECTION_STRING"),
      secondary: name("SECONDARY_CONNECTION_STRING"),
    });
    if (!connection)
      throw new ConfigError(name("CONNECTION_STRING"), `is required with ${name("RESOURCE_ID")}.`, "missing");
    const sameEndpoint = groups.find((group) => group.primary.endpoint === connection.primary.endpoint);
    if (sameEndpoint) {
      throw new ConfigError(
        name("CONNECTION_STRING"),
        `has the same endpoint as ${sameEndpoint.keySettings.primary}: each ACS resource has its own endpoint.`,
      );
    }
    groups.push({ ...connection, resourceId, groupIndex: index });
  }
  return groups;
}

function readConnection(
  settings: Settings,
  names: { label: string; primary: string; secondary: string },
): AcsResourceConnection | undefined {
  const primaryText = optionalSetting(settings, names.primary);
  const secondaryText = optionalSetting(settings, names.secondary);
  if (primaryText === undefined) {
    if (secondaryText !== undefined)
      throw new ConfigError(
        names.primary,
        `is required with ${names.secondary} (the secondary key is a fallback).`,
        "missing",
      );
    return undefined;
  }
  const primary = parseAcsConnectionString(primaryText, names.primary);
  const secondary = secondaryText === undefined ? undefined : parseAcsConnectionString(secondaryText, names.secondary);
  if (secondary && secondary.endpoint !== primary.endpoint) {
    throw new ConfigError(
      names.secondary,
      `must name the same endpoint as ${names.primary} (both keys belong to one ACS resource).`,
    );
  }
  return {
    label: names.label,
    primary,
    ...(secondary ? { secondary } : {}),
    keySettings: { primary: names.primary, secondary: names.secondary },
  };
}
