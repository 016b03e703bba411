/**
 * Imported first by src/index.ts, before @azure/functions: starts telemetry when
 * APPLICATIONINSIGHTS_CONNECTION_STRING is set, so the Functions instrumentation can hook the module.
 */
import { startTelemetry } from "./azureMonitor";

startTelemetry();
