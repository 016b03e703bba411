import { ConfigError } from "../errors";
import { optionalSetting, type Settings } from "./settingParsers";

/**
 * A Storage connection as the Functions host understands it: a connection string in `<NAME>`, or an
 * identity-based connection in `<NAME>__accountName` / `<NAME>__blobServiceUri` / `<NAME>__queueServiceUri`
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
      throw new ConfigError(name, "is not a Storage connection string (expected AccountName/AccountKey, an endpoint, or UseDevelopmentStorage=true).");
    }
    return { kind: "connectionString", setting: name, connectionString };
  }
  const accountName = optionalSetting(settings, `${name}__accountName`);
  const blobServiceUri = serviceUri(settings, `${name}__blobServiceUri`) ?? (accountName && `https://${accountName}.blob.core.windows.net`);
  const queueServiceUri = serviceUri(settings, `${name}__queueServiceUri`) ?? (accountName && `https://${accountName}.queue.core.windows.net`);
  if (!blobServiceUri && !queueServiceUri) return undefined;
  const credential = optionalSetting(settings, `${name}__credential`);
  if (credential !== undefined && credential.toLowerCase() !== "managedidentity") {
    throw new ConfigError(`${name}__credential`, `must be "managedidentity" when set; got "${credential}".`);
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
  return (keys.has("accountname") && keys.has("accountkey")) || keys.has("blobendpoint") || keys.has("queueendpoint") || keys.has("sharedaccesssignature");
}
