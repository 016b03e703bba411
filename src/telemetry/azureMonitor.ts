import type * as FunctionsInstrumentation from "@azure/functions-opentelemetry-instrumentation";
import type * as AzureMonitor from "@azure/monitor-opentelemetry";
import type { Settings } from "../config/settingParsers";
import { describeError } from "../errors";

let started = false;

/**
 * Sends traces and metrics to Application Insights when APPLICATIONINSIGHTS_CONNECTION_STRING is set.
 * The Azure Monitor distro (and the Functions instrumentation) are loaded only then, at the first call:
 * an app without the setting never pays for loading them at cold start. Never throws: telemetry
 * failing to start must not stop the archiver (it logs once why).
 */
export function startTelemetry(settings: Settings = process.env): boolean {
  const connectionString = settings["APPLICATIONINSIGHTS_CONNECTION_STRING"]?.trim();
  if (!connectionString || started) return started;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- deferred load: only with the setting, see above
    const { useAzureMonitor } = require("@azure/monitor-opentelemetry") as typeof AzureMonitor;
    useAzureMonitor({ azureMonitorExporterOptions: { connectionString } });
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- deferred load: only with the setting, see above
    const { AzureFunctionsInstrumentation } = require("@azure/functions-opentelemetry-instrumentation") as typeof FunctionsInstrumentation;
    // Enabled on construction; it hooks @azure/functions as it is loaded (so this runs before that import).
    new AzureFunctionsInstrumentation();
    started = true;
  } catch (error) {
    // The connection string itself is never printed.
    console.warn(`Telemetry to Application Insights could not start: ${describeError(error)}`);
  }
  return started;
}
