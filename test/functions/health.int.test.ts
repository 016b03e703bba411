// Integration tier. Needs: Azurite, the ACS simulator, dist/, loopback servers.
import { createServer, type Server, type Socket } from "node:net";
import { HttpRequest } from "@azure/functions";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startAcsSimulator, type AcsSimulator } from "../../tools/acsSimulator";
import { AZURITE_KEY, azuriteConnectionString } from "../../tools/azurite";
import { freePort } from "../../tools/freePort";
import { findFunction, loadCompiledApp } from "../support/compiledApp";
import { invokeHttp, type HttpAnswer } from "../support/functionInvoke";
import { closedStorageConnectionString } from "../support/storageProbe";
import { capturingContext, TEST_ACS_RESOURCE, uniqueName } from "../support/testSettings";

const connectionString = inject("azuriteConnectionString");

interface Report {
  readonly healthy: boolean;
  readonly configuration: { readonly valid: boolean; readonly invalidSetting?: string };
  readonly dependencies: Record<
    "hostStorage" | "archiveContainer" | "acsEndpoint",
    { readonly ok: boolean; readonly detail: string; readonly ms: number }
  >;
}

let sim: AcsSimulator;
/** Accepts connections and never answers: a hung dependency. */
let silent: Server;
const sockets = new Set<Socket>();
let silentPort = 0;
const answers: HttpAnswer[] = [];
const logLines: string[] = [];

beforeAll(async () => {
  sim = await startAcsSimulator();
  silent = createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => undefined);
  });
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  const address = silent.address();
  silentPort = typeof address === "object" && address ? address.port : 0;
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise<void>((resolve) => silent.close(() => resolve()));
  await sim.close();
});

/** Loads the compiled app with these settings and calls GET /api/health once. */
async function health(settings: Record<string, string>): Promise<{ answer: HttpAnswer; report: Report }> {
  const fn = findFunction(loadCompiledApp({ ALLOWED_ACS_RESOURCES: TEST_ACS_RESOURCE, ...settings }), "health");
  const { context, logs } = capturingContext("health");
  const answer = await invokeHttp(
    fn,
    new HttpRequest({ method: "GET", url: "http://localhost:7071/api/health?code=test-function-key" }),
    context,
  );
  answers.push(answer);
  logLines.push(...logs.map((log) => log.message));
  return { answer, report: answer.json as Report };
}

describe("GET /api/health (compiled app)", () => {
  it("answers 200 when the settings are valid and Azurite and the ACS simulator answer", async () => {
    const { answer, report } = await health({
      AzureWebJobsStorage: connectionString,
      ACS_CONNECTION_STRING: sim.connectionString,
      CHUNK_QUEUE: uniqueName("health"),
    });
    expect(answer.status).toBe(200);
    expect(answer.headers.get("cache-control")).toBe("no-store");
    expect(report).toMatchObject({
      healthy: true,
      configuration: { valid: true },
      dependencies: { hostStorage: { ok: true }, archiveContainer: { ok: true }, acsEndpoint: { ok: true } },
    });
    expect(report.dependencies.hostStorage.detail).toMatch(/does not exist yet/);
  });

  it("reaches the ACS endpoint without sending the key (no Authorization header, no signature)", async () => {
    const before = sim.requests.length;
    await health({ AzureWebJobsStorage: connectionString, ACS_CONNECTION_STRING: sim.connectionString });
    const probes = sim.requests.slice(before);
    expect(probes.length).toBeGreaterThan(0);
    for (const request of probes) {
      expect(request.listener).toBe("endpoint");
      expect(request.headers["authorization"]).toBeUndefined();
      expect(request.headers["x-ms-content-sha256"]).toBeUndefined();
    }
  });

  it("answers 503 naming both storage checks when the storage endpoint is down", async () => {
    const { answer, report } = await health({
      AzureWebJobsStorage: await closedStorageConnectionString(),
      ACS_CONNECTION_STRING: sim.connectionString,
    });
    expect(answer.status).toBe(503);
    expect(report.healthy).toBe(false);
    expect(report.configuration.valid).toBe(true);
    expect(report.dependencies.hostStorage.ok).toBe(false);
    expect(report.dependencies.archiveContainer.ok).toBe(false);
    expect(report.dependencies.acsEndpoint.ok).toBe(true);
    expect(report.dependencies.hostStorage.detail).toMatch(/no answer/);
  });

  it("answers 503 when only the archive account (RECORDINGS_STORAGE) is down", async () => {
    const { answer, report } = await health({
      AzureWebJobsStorage: connectionString,
      RECORDINGS_STORAGE: await closedStorageConnectionString(),
      ACS_CONNECTION_STRING: sim.connectionString,
    });
    expect(answer.status).toBe(503);
    expect(report.dependencies.hostStorage.ok).toBe(true);
    expect(report.dependencies.archiveContainer.ok).toBe(false);
  });

  it("answers 503 when the ACS endpoint does not answer", async () => {
    const port = await freePort();
    const { answer, report } = await health({
      AzureWebJobsStorage: connectionString,
      ACS_CONNECTION_STRING: `endpoint=http://127.0.0.1:${port}/;accesskey=${sim.accessKey}`,
    });
    expect(answer.status).toBe(503);
    expect(report.dependencies.acsEndpoint).toMatchObject({
      ok: false,
      detail: expect.stringMatching(/did not answer/) as unknown,
    });
    expect(report.dependencies.hostStorage.ok).toBe(true);
  });

  it("gives up on dependencies that accept connections and never answer, each within its deadline", async () => {
    const { answer, report } = await health({
      AzureWebJobsStorage: azuriteConnectionString(silentPort, silentPort, silentPort),
      ACS_CONNECTION_STRING: `endpoint=http://127.0.0.1:${silentPort}/;accesskey=${sim.accessKey}`,
    });
    expect(answer.status).toBe(503);
    for (const name of ["hostStorage", "archiveContainer", "acsEndpoint"] as const) {
      expect(report.dependencies[name]).toMatchObject({
        ok: false,
        detail: expect.stringMatching(/within|timed out/) as unknown,
      });
    }
  });

  it("never puts a key or a connection string into an answer or a log line", () => {
    expect(answers.length).toBeGreaterThan(0);
    const everything = [...answers.map((answer) => answer.text), ...logLines].join("\n");
    expect(everything).not.toContain(AZURITE_KEY);
    expect(everything).not.toContain(sim.accessKey);
    expect(everything).not.toMatch(/AccountKey|accesskey|DefaultEndpointsProtocol/i);
  });
});
