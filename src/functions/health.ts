import { app, type HttpHandler, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { appHealth, type Lazy } from "../app/serviceProvider";
import type { HealthCheck } from "../health/healthCheck";
import { escapingLog } from "../shared/logSafe";

/**
 * GET /api/health -> 200 when the settings are valid and the host storage, the archive container and the ACS endpoint
 * answer, 503 otherwise; the body says which (setting names only, never values). Works whatever the settings hold.
 */
export function health(check: Lazy<HealthCheck>): HttpHandler {
  return async (_request, context: InvocationContext): Promise<HttpResponseInit> => {
    const report = await check().run();
    if (!report.healthy) escapingLog(context).warn(`Health check failed: ${JSON.stringify(report)}`);
    return { status: report.healthy ? 200 : 503, jsonBody: report, headers: { "Cache-Control": "no-store" } };
  };
}

app.http("health", {
  route: "health",
  methods: ["GET"],
  authLevel: "function",
  handler: health(appHealth),
});
