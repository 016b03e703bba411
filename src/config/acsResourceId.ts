import { ConfigError } from "../errors";

const ACS_RESOURCE_ID = /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Communication\/communicationServices\/[^/]+\/?$/i;

/** An ACS resource id from `setting`, normalized; throws ConfigError naming the setting when it is not one. */
export function parseResourceId(value: string, setting: string): string {
  if (!ACS_RESOURCE_ID.test(value.trim())) {
    throw new ConfigError(
      setting,
      `has an entry that is not an ACS resource id (/subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.Communication/communicationServices/<name>).`,
    );
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
