import { configWarnings } from "../config/configWarnings";
import { parseConfig, type AppConfig } from "../config/appConfig";
import type { Settings } from "../config/settingParsers";
import { AppNotConfiguredError, ConfigError, describeError } from "../errors";
import type { HealthCheck } from "../health/healthCheck";
import type * as Services from "./services";
import type { AppServices } from "./services";
import type * as HealthProbes from "../health/healthProbes";

/**
 * What a handler factory takes instead of a built dependency: called on each invocation, it builds the dependency on
 * first use and throws AppNotConfiguredError (naming the setting) while the app's settings are bad. Registration thus
 * never depends on settings, and loading a function file loads no Azure SDK (see "Startup (cold start)" in bench/README.md).
 */
export type Lazy<T> = () => T;

/** The app settings as read once at start: parsed, or the first bad setting. */
export type Configuration =
  | { readonly valid: true; readonly config: AppConfig; readonly settings: Settings }
  | { readonly valid: false; readonly error: ConfigError; readonly settings: Settings };

let configuration: Configuration | undefined;
let services: AppServices | undefined;
let health: HealthCheck | undefined;

/**
 * The settings, parsed once per process (first call: src/index.ts at start). A bad setting is logged once, as an
 * error naming it (never a secret value), and the app keeps running: every function is registered and refuses work.
 */
export function appConfiguration(settings: Settings = process.env): Configuration {
  configuration ??= readConfiguration({ ...settings });
  return configuration;
}

/** The services, built on first use from the parsed settings; throws AppNotConfiguredError while a setting is bad. */
export function appServices(): AppServices {
  const current = appConfiguration();
  if (!current.valid) throw new AppNotConfiguredError(current.error);
  // The composition root loads every Azure SDK the functions use: required here, on the first invocation, so that
  // loading the function files (every cold start, every scale-out) does not pay for it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- deferred load, see the comment above
  services ??= (require("./services") as typeof Services).createServices(current.config);
  return services;
}

/** A lazy dependency picked from the services: what a function file hands to its handler factory. */
export function lazyService<T>(pick: (built: AppServices) => T): Lazy<T> {
  return () => pick(appServices());
}

/** The health check (works whatever the settings hold: it reports them), built on first use. */
export function appHealth(): HealthCheck {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- deferred load: the probes use the storage SDKs
  health ??= (require("../health/healthProbes") as typeof HealthProbes).createHealthCheck(appConfiguration());
  return health;
}

function readConfiguration(settings: Settings): Configuration {
  try {
    const config = parseConfig(settings);
    for (const warning of configWarnings(config)) console.warn(warning);
    return { valid: true, config, settings };
  } catch (thrown) {
    // Only ConfigError is expected; anything else still must not stop the functions from registering.
    const error =
      thrown instanceof ConfigError
        ? thrown
        : new ConfigError("(app settings)", `could not be read: ${describeError(thrown)}`);
    console.error(
      `Configuration error: ${error.message} Every function is registered but refuses work until this is fixed ` +
        "(deliveries get 503 or a thrown error and are retried; GET /api/health reports the setting).",
    );
    return { valid: false, error, settings };
  }
}
