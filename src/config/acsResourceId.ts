import { ConfigError } from "../errors";

/**
 * The shape of an ACS resource id, as Event Grid names the sender of every event (`topic` in the Event Grid schema,
 * `source` in CloudEvents) and as ALLOWED_ACS_RESOURCES and ACS_RESOURCES__<n>__RESOURCE_ID list them:
 * `/subscriptions/<subscription>/resourceGroups/<group>/providers/Microsoft.Communication/communicationServices/<name>`,
 * case-insensitive (Event Grid sends it lower-cased). Segments take the characters Azure allows in them (resource
 * groups: letters of any script, digits, `._()-`), plus `{}` so that the published samples' placeholders
 * (`{subscription-id}`, even the typo `}{group-name}`) pass; nothing else, so no topic can carry a line break, a
 * control or format character (a bidi override) or a path into a log line, a chunk key or a blob's metadata.
 */
const ACS_RESOURCE_ID =
  /^\/subscriptions\/[0-9a-z{}-]{1,64}\/resourcegroups\/[\p{L}\p{N}._(){}-]{1,90}\/providers\/microsoft\.communication\/communicationservices\/[0-9a-z{}_.-]{1,64}\/?$/iu;

/** The shape as people write it, for messages. */
export const ACS_RESOURCE_ID_SHAPE =
  "/subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.Communication/communicationServices/<name>";

/** Whether `text` (trimmed) has the shape of an ACS resource id. */
export function isAcsResourceId(text: string): boolean {
  return ACS_RESOURCE_ID.test(text.trim());
}

/** An ACS resource id from `setting`, normalized; throws ConfigError naming the setting when it is not one. */
export function parseResourceId(value: string, setting: string): string {
  if (!isAcsResourceId(value)) {
    throw new ConfigError(setting, `has an entry that is not an ACS resource id (${ACS_RESOURCE_ID_SHAPE}).`);
  }
  return normalizeResourceId(value);
}

/** Resource ids compare case-insensitively, without a trailing slash. */
export function normalizeResourceId(value: string): string {
  return value.trim().replace(/\/+$/, "").toLowerCase();
}

/** The resource's name: the last segment of its id (`contoso-acs`). */
export function resourceName(resourceId: string): string {
  return resourceId.slice(resourceId.lastIndexOf("/") + 1);
}
