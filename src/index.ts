// OpenTelemetry to Application Insights, only when APPLICATIONINSIGHTS_CONNECTION_STRING is set (loaded lazily).
import "./telemetry/bootstrap";
import { app } from "@azure/functions";
import { appConfiguration } from "./app/serviceProvider";

// Sets the app up; each function registers itself in src/functions/<name>.ts.
app.setup({ enableHttpStream: false });

// Reads the settings once, at start: a bad one is logged here, once, by name; the functions still register and
// refuse work that needs it (see "A bad setting at start" in docs/operations.md).
appConfiguration();
