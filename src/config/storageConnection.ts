import { ConfigError } from "../errors";
import { optionalSetting, type Settings } from "./settingParsers";

/**
 * A Storage connection as the Functions host understands it: a connection string in `<NAME>`, or an
 * identity-based connection in `<NAME>__blobServiceUri` / `<NAME>__queueServiceUri` (the account's primaryEndpoints)
 * (with optional `<NAME>__credential` = managedidentity and `<NAME>__clientId`).
 */
export type StorageConnection =
  | { readonly kind: "connectionString"; readonly setting: string; readonly connectionString: string }
  | {
      readonly kind: "identity";
      readonly setting: string;
      readonly blobServiceUri?: string;
      readonly queueServiceUri?: string;
      readonly clientId?: string;
      readonly managedIdentity: boolean;
    };

export function readStorageConnection(settings: Settings, name: string): StorageConnection | undefined {
  const connectionString = optionalSetting(settings, name);
  if (connectionString !== undefined) {
    if (!looksLikeStorageConnectionString(connectionString)) {
      throw new ConfigError(
        name,
        "is not a Storage connection string (expected AccountName/AccountKey, an endpoint, or UseDevelopmentStorage=true).",
      );
    }
    return { kind: "connectionString", setting: name, connectionString };
  }
  const accountName = optionalSetting(settings, `${name}__accountName`);
  const blobServiceUri = serviceUri(settings, `${name}__blobServiceUri`);
  const queueServiceUri = serviceUri(settings, `${name}__queueServiceUri`);
  if (!blobServiceUri && !queueServiceUri) {
    // An account name alone does not say which cloud (endpoint suffix) the account is in, so the app
    // does not guess public-cloud host names: sovereign clouds would silently point at the wrong host.
    if (accountName !== undefined) {
      throw new ConfigError(
        `${name}__blobServiceUri`,
        `must be set (with ${name}__queueServiceUri) to the account's endpoints; ${name}__accountName alone does not name the cloud's endpoint suffix.`,
      );
    }
    return undefined;
  }
  const credential = optionalSetting(settings, `${name}__credential`);
  if (credential !== undefined && credential.toLowerCase() !== "managedidentity") {
    throw new ConfigError(`${name}__credential`, 'must be "managedidentity" when set.');
  }
  const clientId = optionalSetting(settings, `${name}__clientId`);
  return {
    kind: "identity",
    setting: name,
    ...(blobServiceUri ? { blobServiceUri } : {}),
    ...(queueServiceUri ? { queueServiceUri } : {}),
    ...(clientId ? { clientId } : {}),
    managedIdentity: credential !== undefined,
  };
}

function serviceUri(settings: Settings, name: string): string | undefined {
  const value = optionalSetting(settings, name);
  if (value === undefined) return undefined;
  try {
    const url = new URL(value);
    // Identity-based connections send a bearer token, which the SDK refuses over plain http.
    if (url.protocol !== "https:") throw new Error("scheme");
    return value.replace(/\/+$/, "");
  } catch {
    throw new ConfigError(name, "must be an absolute https URL of the storage service.");
  }
}

function looksLikeStorageConnectionString(value: string): boolean {
  const keys = new Set(
    value
      .split(";")
      .map((part) => part.split("=")[0]?.trim().toLowerCase())
      .filter((key): key is string => Boolean(key)),
  );
  if (/usedevelopmentstorage\s*=\s*true/i.test(value)) return true;
  return (
    (keys.has("accountname") && keys.has("accountkey")) ||
    keys.has("blobendpoint") ||
    keys.has("queueendpoint") ||
    keys.has("sharedaccesssignature")
  );
}
