// Integration tier. Needs: loopback servers.
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname } from "node:path";
import {
  createHttpHeaders,
  type HttpClient,
  type PipelineRequest,
  type PipelineResponse,
} from "@azure/core-rest-pipeline";
import { BasicTracerProvider, SimpleSpanProcessor, type SpanExporter } from "@opentelemetry/sdk-trace-base";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { azureMonitorOptions, startTelemetry, telemetryCredential } from "../../src/telemetry/azureMonitor";
import { eventually } from "../support/polling";

// Application Insights with local authentication off (the template's) accepts telemetry only with a Microsoft Entra
// token. These tests show that, with APPLICATIONINSIGHTS_AUTHENTICATION_STRING asking for Entra ID, the exporter the
// Azure Monitor distro builds sends its data with a bearer token of the app's managed identity. No network: the managed
// identity endpoint is a loopback server (App Service's IDENTITY_ENDPOINT protocol), and the exporter's HTTP client is
// a recorder, so nothing is sent anywhere.

const CLIENT_ID = "7d1d3d4e-0000-4000-8000-00000000c11d";
const CONNECTION_STRING =
  "InstrumentationKey=00000000-0000-4000-8000-000000000000;IngestionEndpoint=https://ingestion.example/";

interface TokenRequest {
  readonly url: string;
  readonly header: string | undefined;
}

let identityEndpoint: Server;
const tokenRequests: TokenRequest[] = [];
const savedEnvironment: Record<string, string | undefined> = {};

function setEnvironment(name: string, value: string): void {
  if (!(name in savedEnvironment)) savedEnvironment[name] = process.env[name];
  process.env[name] = value;
}

beforeAll(async () => {
  identityEndpoint = createServer((request: IncomingMessage, response) => {
    tokenRequests.push({ url: request.url ?? "", header: request.headers["x-identity-header"] as string | undefined });
    const clientId = new URL(request.url ?? "/", "http://localhost").searchParams.get("client_id") ?? "system";
    response.writeHead(200, { "content-type": "application/json" });
    response.end(
      JSON.stringify({
        access_token: `token-of-${clientId}`,
        expires_on: String(Math.floor(Date.now() / 1000) + 3600),
        resource: "https://monitor.azure.com/",
        token_type: "Bearer",
      }),
    );
  });
  await new Promise<void>((resolve) => identityEndpoint.listen(0, "127.0.0.1", resolve));
  const { port } = identityEndpoint.address() as AddressInfo;
  setEnvironment("IDENTITY_ENDPOINT", `http://127.0.0.1:${port}/msi/token`);
  setEnvironment("IDENTITY_HEADER", "identity-header-secret");
  setEnvironment("APPLICATIONINSIGHTS_STATSBEAT_DISABLED", "true");
});

afterAll(async () => {
  for (const [name, value] of Object.entries(savedEnvironment)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  await new Promise<void>((resolve) => identityEndpoint.close(() => resolve()));
});

afterEach(() => {
  tokenRequests.length = 0;
});

/** Records what the exporter would send, and answers like the ingestion endpoint. */
class RecordingHttpClient implements HttpClient {
  readonly requests: PipelineRequest[] = [];

  sendRequest(request: PipelineRequest): Promise<PipelineResponse> {
    this.requests.push(request);
    return Promise.resolve({
      request,
      status: 200,
      headers: createHttpHeaders({ "content-type": "application/json" }),
      bodyAsText: '{"itemsReceived":1,"itemsAccepted":1,"errors":[]}',
    });
  }
}

/** The trace exporter of the Azure Monitor distro the app uses (the version it depends on, not any other in node_modules). */
function distroTraceExporter(options: object): SpanExporter {
  const exporterPath = require.resolve("@azure/monitor-opentelemetry-exporter", {
    paths: [dirname(require.resolve("@azure/monitor-opentelemetry"))],
  });
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the distro's own copy, resolved from its folder
  const { AzureMonitorTraceExporter } = require(exporterPath) as {
    AzureMonitorTraceExporter: new (options: object) => SpanExporter;
  };
  return new AzureMonitorTraceExporter(options);
}

describe("telemetry credential (APPLICATIONINSIGHTS_AUTHENTICATION_STRING)", () => {
  it("with Authorization=AAD;ClientId=…, the exporter sends its data with the managed identity's token", async () => {
    const options = azureMonitorOptions({
      APPLICATIONINSIGHTS_CONNECTION_STRING: CONNECTION_STRING,
      APPLICATIONINSIGHTS_AUTHENTICATION_STRING: `Authorization=AAD;ClientId=${CLIENT_ID}`,
    });
    expect(options?.azureMonitorExporterOptions?.credential).toBeDefined();
    const recorder = new RecordingHttpClient();
    const provider = new BasicTracerProvider({
      spanProcessors: [
        new SimpleSpanProcessor(distroTraceExporter({ ...options?.azureMonitorExporterOptions, httpClient: recorder })),
      ],
    });
    provider.getTracer("telemetry-credential-test").startSpan("archive one chunk").end();
    await provider.forceFlush();
    const sent = await eventually(() => recorder.requests[0], "the exporter to send");
    expect(sent.url).toMatch(/^https:\/\/ingestion\.example\/v2\.1\/track/);
    expect(sent.headers.get("authorization")).toBe(`Bearer token-of-${CLIENT_ID}`);
    expect(tokenRequests).toHaveLength(1);
    expect(tokenRequests[0]?.header).toBe("identity-header-secret");
    const tokenQuery = new URL(tokenRequests[0]?.url ?? "", "http://localhost").searchParams;
    expect(tokenQuery.get("resource")).toMatch(/^https:\/\/monitor\.azure\.com\/?$/);
    expect(tokenQuery.get("client_id")).toBe(CLIENT_ID);
    await provider.shutdown();
  });

  it("reads the keys in any order and case; Authorization=AAD alone is the system-assigned identity", () => {
    expect(
      telemetryCredential({ APPLICATIONINSIGHTS_AUTHENTICATION_STRING: ` clientid=${CLIENT_ID} ; authorization=aad ` }),
    ).toBeDefined();
    expect(telemetryCredential({ APPLICATIONINSIGHTS_AUTHENTICATION_STRING: "Authorization=AAD" })).toBeDefined();
  });

  it("without the setting, no credential (an Application Insights resource with local authentication on)", () => {
    expect(telemetryCredential({})).toBeUndefined();
    expect(azureMonitorOptions({ APPLICATIONINSIGHTS_CONNECTION_STRING: CONNECTION_STRING })).toEqual({
      azureMonitorExporterOptions: { connectionString: CONNECTION_STRING },
    });
    expect(azureMonitorOptions({})).toBeUndefined();
  });

  it("refuses an authentication string it cannot honour, naming the setting and not its value; the app still starts", () => {
    expect(() =>
      telemetryCredential({ APPLICATIONINSIGHTS_AUTHENTICATION_STRING: "Authorization=Key;Secret=s3cr3t" }),
    ).toThrow(/^Setting APPLICATIONINSIGHTS_AUTHENTICATION_STRING must be Authorization=AAD/);
    const warnings: string[] = [];
    const originalWarn = console.warn;
    console.warn = (...args: unknown[]) => warnings.push(args.map(String).join(" "));
    try {
      expect(
        startTelemetry({
          APPLICATIONINSIGHTS_CONNECTION_STRING: CONNECTION_STRING,
          APPLICATIONINSIGHTS_AUTHENTICATION_STRING: "Authorization=Key;Secret=s3cr3t",
        }),
      ).toBe(false);
    } finally {
      console.warn = originalWarn;
    }
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("APPLICATIONINSIGHTS_AUTHENTICATION_STRING");
    expect(warnings[0]).not.toContain("s3cr3t");
    expect(warnings[0]).not.toContain("InstrumentationKey");
  });
});
