import { ConfigError } from "../errors";
import { parseByteSize } from "../shared/byteSize";

/** Environment-like settings: Functions app settings / local.settings.json Values. */
export type Settings = Readonly<Record<string, string | undefined>>;

/**
 * The platform leaves `@Microsoft.KeyVault(...)` in place when it cannot resolve a Key Vault reference (no access
 * yet, a wrong name): such a value is never a usable setting, whatever the setting.
 */
const KEY_VAULT_REFERENCE = /^@Microsoft\.KeyVault\(/i;

/** A setting's trimmed value, or undefined when empty; throws (without the value) on an unresolved Key Vault reference. */
export function optionalSetting(settings: Settings, name: string): string | undefined {
  const value = settings[name]?.trim();
  if (value === undefined || value === "") return undefined;
  if (KEY_VAULT_REFERENCE.test(value)) {
    throw new ConfigError(
      name,
      "holds a Key Vault reference the platform could not resolve: check that the app's identity may read the secret " +
        "(Key Vault Secrets User) and that the secret exists, then restart the app (references are cached).",
      "unresolvedKeyVaultReference",
    );
  }
  return value;
}

export function integerSetting(
  settings: Settings,
  name: string,
  fallback: number,
  range: { min: number; max: number },
): number {
  const raw = optionalSetting(settings, name);
  if (raw === undefined) return fallback;
  const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < range.min || value > range.max) {
    throw new ConfigError(name, `must be a whole number from ${range.min} to ${range.max}.`);
  }
  return value;
}

export function numberSetting(
  settings: Settings,
  name: string,
  fallback: number,
  range: { min: number; max: number },
): number {
  const raw = optionalSetting(settings, name);
  if (raw === undefined) return fallback;
  const value = /^\d+(\.\d+)?$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isFinite(value) || value < range.min || value > range.max) {
    throw new ConfigError(name, `must be a number from ${range.min} to ${range.max}.`);
  }
  return value;
}

/** A byte size: a whole number of bytes, or with a unit (`8MiB`, `512 KiB`; `MB` means 10^6 bytes, see shared/byteSize.ts). */
export function byteSizeSetting(
  settings: Settings,
  name: string,
  fallback: number,
  range: { min: number; max: number },
): number {
  const raw = optionalSetting(settings, name);
  if (raw === undefined) return fallback;
  const value = parseByteSize(raw);
  if (value === undefined || value < range.min || value > range.max) {
    throw new ConfigError(name, `must be a byte size from ${range.min} to ${range.max} bytes (e.g. 8MiB).`);
  }
  return value;
}

export function booleanSetting(settings: Settings, name: string, fallback: boolean): boolean {
  const raw = optionalSetting(settings, name)?.toLowerCase();
  if (raw === undefined) return fallback;
  if (["true", "1", "yes"].includes(raw)) return true;
  if (["false", "0", "no"].includes(raw)) return false;
  throw new ConfigError(name, "must be true or false.");
}

export function listSetting(settings: Settings, name: string): string[] {
  const raw = optionalSetting(settings, name);
  if (raw === undefined) return [];
  return raw
    .split(/[,;\s]+/)
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

/** Storage names (queues, containers): 3-63 lowercase letters, digits and single hyphens. */
export function storageNameSetting(settings: Settings, name: string, fallback: string): string {
  const value = optionalSetting(settings, name) ?? fallback;
  if (!/^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/.test(value)) {
    throw new ConfigError(
      name,
      "must be 3-63 lowercase letters, digits and single hyphens (a Storage queue or container name).",
    );
  }
  return value;
}
