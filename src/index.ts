// OpenTelemetry to Application Insights, only when APPLICATIONINSIGHTS_CONNECTION_STRING is set (loaded lazily).
import "./telemetry/bootstrap";
import { app } from "@azure/functions";

// Sets the app up; each function registers itself in src/functions/<name>.ts.
app.setup({ enableHttpStream: false });
