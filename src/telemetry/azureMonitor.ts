import type { TokenCredential } from "@azure/core-auth";
import type * as FunctionsInstrumentation from "@azure/functions-opentelemetry-instrumentation";
import type * as Identity from "@azure/identity";
import type * as AzureMonitor from "@azure/monitor-opentelemetry";
import { optionalSetting, type Settings } from "../config/settingParsers";
import { ConfigError, describeError } from "../errors";

let started = false;

const AUTHENTICATION_STRING = "APPLICATIONINSIGHTS_AUTHENTICATION_STRING";

/**
 * The credential the exporter sends telemetry with, from APPLICATIONINSIGHTS_AUTHENTICATION_STRING, the setting the
 * Functions host reads for the same purpose: `Authorization=AAD;ClientId=<client id>` (keys in any order and case) is
 * Microsoft Entra ID with that user-assigned managed identity; `Authorization=AAD` alone, the system-assigned one.
 * Unset: no credential (an Application Insights resource with local authentication on). An Application Insights
 * resource with local authentication off (the template's) rejects everything sent without it.
 */
export function telemetryCredential(settings: Settings): TokenCredential | undefined {
  const value = optionalSetting(settings, AUTHENTICATION_STRING);
  if (value === undefined) return undefined;
  const parts = new Map<string, string>();
  for (const part of value.split(";")) {
    const separator = part.indexOf("=");
    if (separator > 0) parts.set(part.slice(0, separator).trim().toLowerCase(), part.slice(separator + 1).trim());
  }
  if (parts.get("authorization")?.toUpperCase() !== "AAD") {
    throw new ConfigError(
      AUTHENTICATION_STRING,
      "must be Authorization=AAD, optionally with ;ClientId=<managed identity client id>.",
    );
  }
  const clientId = parts.get("clientid");
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- deferred load: only with the setting (cold start)
  const { ManagedIdentityCredential } = require("@azure/identity") as typeof Identity;
  return clientId ? new ManagedIdentityCredential({ clientId }) : new ManagedIdentityCredential();
}

/** The Azure Monitor distro's options: the connection string, and the managed identity credential when asked for. */
export function azureMonitorOptions(settings: Settings): AzureMonitor.AzureMonitorOpenTelemetryOptions | undefined {
  const connectionString = settings["APPLICATIONINSIGHTS_CONNECTION_STRING"]?.trim();
  if (!connectionString) return undefined;
  const credential = telemetryCredential(settings);
  return { azureMonitorExporterOptions: { connectionString, ...(credential ? { credential } : {}) } };
}

/**
 * Sends traces and metrics to Application Insights when APPLICATIONINSIGHTS_CONNECTION_STRING is set, authenticated
 * as APPLICATIONINSIGHTS_AUTHENTICATION_STRING says. The Azure Monitor distro (and the Functions instrumentation) are
 * loaded only then, at the first call: an app without the setting never pays for loading them at cold start. Never
 * throws: telemetry failing to start must not stop the archiver (it logs once why, naming the setting, never a value).
 */
export function startTelemetry(settings: Settings = process.env): boolean {
  if (started) return started;
  try {
    const options = azureMonitorOptions(settings);
    if (!options) return started;
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- deferred load: only with the setting, see above
    const { useAzureMonitor } = require("@azure/monitor-opentelemetry") as typeof AzureMonitor;
    useAzureMonitor(options);
    const { AzureFunctionsInstrumentation } =
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- deferred load: only with the setting, see above
      require("@azure/functions-opentelemetry-instrumentation") as typeof FunctionsInstrumentation;
    // Enabled on construction; it hooks @azure/functions as it is loaded (so this runs before that import). It also
    // tells the host that the worker exports its own logs, so that with host.json telemetryMode OpenTelemetry the host
    // does not send them a second time.
    new AzureFunctionsInstrumentation();
    started = true;
  } catch (error) {
    // The connection string itself is never printed.
    console.warn(`Telemetry to Application Insights could not start: ${describeError(error)}`);
  }
  return started;
}
