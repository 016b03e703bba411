import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { Settings } from "../config/settingParsers";
import { isRecord } from "../shared/untrustedJson";
import { UsageError } from "./usageError";

const LOCAL_SETTINGS_FILE = "local.settings.json";

export interface LoadedSettings {
  /** The environment over the file's Values. */
  readonly settings: Settings;
  /** The settings file that was read, if any. */
  readonly file?: string;
  /** Names taken from the file (and not overridden by the environment), to say where a bad value came from. */
  readonly fromFile: ReadonlySet<string>;
}

/**
 * The app's settings as the Functions host would see them locally: `Values` of local.settings.json
 * (in `cwd`, or `explicitFile`), overridden by the environment. Throws UsageError for an unreadable file.
 */
export function loadSettings(env: Settings, cwd: string, explicitFile?: string): LoadedSettings {
  const file = explicitFile === undefined ? resolve(cwd, LOCAL_SETTINGS_FILE) : resolve(cwd, explicitFile);
  if (!existsSync(file)) {
    if (explicitFile !== undefined) throw new UsageError(`the settings file ${explicitFile} does not exist.`);
    return { settings: { ...env }, fromFile: new Set() };
  }
  const values = readValues(file, explicitFile ?? LOCAL_SETTINGS_FILE);
  const fromFile = new Set(Object.keys(values).filter((name) => env[name] === undefined || env[name] === ""));
  const merged: Record<string, string | undefined> = { ...values };
  for (const [name, value] of Object.entries(env)) if (value !== undefined && value !== "") merged[name] = value;
  return { settings: merged, file, fromFile };
}

function readValues(file: string, shown: string): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new UsageError(`${shown} is not readable JSON (${(error as Error).message}).`, { cause: error });
  }
  if (!isRecord(parsed)) throw new UsageError(`${shown} must be a JSON object with "Values".`);
  if (parsed["IsEncrypted"] === true)
    throw new UsageError(
      `${shown} is encrypted (IsEncrypted: true); run "func settings decrypt" or set the values in the environment.`,
    );
  const values = parsed["Values"] ?? {};
  if (!isRecord(values)) throw new UsageError(`${shown}: "Values" must be an object.`);
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(values)) {
    if (typeof value === "string") result[name] = value;
    else if (typeof value === "number" || typeof value === "boolean") result[name] = String(value);
    else if (value !== null) throw new UsageError(`${shown}: Values.${name} must be a string.`);
  }
  return result;
}
