// Integration tier. Needs: Azurite, the ACS simulator, dist/, loopback servers.
import { HttpRequest } from "@azure/functions";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startAcsSimulator, type AcsSimulator, type SimResource } from "../../tools/acsSimulator";
import { createCallRecordingSimulator, type CallRecordingSimulator } from "../../tools/acsSimulator/callAutomation";
import { freePort } from "../../tools/freePort";
import { findFunction, loadCompiledApp, type RegisteredFunction } from "../support/compiledApp";
import { invokeHttp, type HttpAnswer } from "../support/functionInvoke";
import { capturingContext, uniqueName } from "../support/testSettings";

/** The recording control API and the health check of an app serving two ACS resources (compiled app, simulator). */
describe("recording control and health with two ACS resources", () => {
  let sim: AcsSimulator;
  let fabrikam: SimResource;
  let contosoCalls: CallRecordingSimulator;
  let fabrikamCalls: CallRecordingSimulator;
  let functions: RegisteredFunction[];
  const logs: string[] = [];

  function settings(overrides: Record<string, string> = {}): Record<string, string> {
    return {
      AzureWebJobsStorage: inject("azuriteConnectionString"),
      CHUNK_QUEUE: uniqueName("control"),
      ACS_RESOURCES__0__RESOURCE_ID: sim.resourceId,
      ACS_RESOURCES__0__CONNECTION_STRING: sim.connectionString,
      ACS_RESOURCES__1__RESOURCE_ID: fabrikam.resourceId,
      ACS_RESOURCES__1__CONNECTION_STRING: fabrikam.connectionString,
      ACS_RESOURCES__1__SECONDARY_CONNECTION_STRING: fabrikam.secondaryConnectionString,
      ...overrides,
    };
  }

  async function invoke(
    name: string,
    path: string,
    options: { method?: string; body?: object; recordingId?: string; app?: readonly RegisteredFunction[] } = {},
  ): Promise<HttpAnswer> {
    const request = new HttpRequest({
      method: options.method ?? "POST",
      url: `http://localhost:7071/api/${path}`,
      headers: { "content-type": "application/json" },
      params: options.recordingId === undefined ? {} : { recordingId: options.recordingId },
      ...(options.body === undefined ? {} : { body: { string: JSON.stringify(options.body) } }),
    });
    const { context, logs: lines } = capturingContext(name);
    const answer = await invokeHttp(findFunction(options.app ?? functions, name), request, context);
    logs.push(answer.text, ...lines.map((line) => `${line.level}: ${line.message}`));
    return answer;
  }

  const callId = (label: string): string =>
    Buffer.from(`https://api.flightproxy.skype.com/api/v2/cp/conv-sim/conversations/${label}`).toString("base64url");

  beforeAll(async () => {
    sim = await startAcsSimulator({ name: "contoso-acs" });
    fabrikam = await sim.addResource({ name: "fabrikam-acs" });
    contosoCalls = createCallRecordingSimulator();
    fabrikamCalls = createCallRecordingSimulator();
    sim.addEndpointRoute(contosoCalls.route);
    fabrikam.addEndpointRoute(fabrikamCalls.route);
    functions = loadCompiledApp(settings());
  });

  afterAll(async () => {
    const text = logs.join("\n");
    for (const resource of sim.resources) {
      expect(text).not.toContain(resource.accessKey);
      expect(text).not.toContain(resource.secondaryKey);
    }
    await sim.close();
  });

  it("asks which resource when the app serves several (400 naming acsResource)", async () => {
    const serverCallId = callId("ambiguous");
    fabrikamCalls.addCall(serverCallId);
    const answer = await invoke("startRecording", "recordings", { body: { serverCallId } });
    expect(answer.status).toBe(400);
    expect(answer.json).toMatchObject({ code: "InvalidRequest", target: "acsResource" });
    expect((answer.json as { message: string }).message).toMatch(
      /acsResource is required: this app serves 2 ACS resources \(contoso-acs, fabrikam-acs\)/,
    );
    expect(fabrikamCalls.requests).toEqual([]);
    expect(contosoCalls.requests).toEqual([]);
  });

  it("starts, reports, pauses and stops a recording on the resource the request names (by name or by id)", async () => {
    const serverCallId = callId("fabrikam-call");
    fabrikamCalls.addCall(serverCallId);
    const started = await invoke("startRecording", "recordings?acsResource=fabrikam-acs", { body: { serverCallId } });
    expect(started.status).toBe(200);
    const { recordingId } = started.json as { recordingId: string };
    expect(fabrikamCalls.requests.map((request) => request.operation)).toEqual(["start"]);
    expect(contosoCalls.requests).toEqual([]);
    // Signed with fabrikam's key: the simulator verified it on fabrikam's endpoint.
    expect(sim.requests.filter((request) => request.url.startsWith("/calling/recordings")).at(-1)).toMatchObject({
      authorized: true,
      resourceId: fabrikam.resourceId,
    });

    const byId = `recordings/${encodeURIComponent(recordingId)}?acsResource=${encodeURIComponent(fabrikam.resourceId.toUpperCase())}`;
    const state = await invoke("getRecordingState", byId, { method: "GET", recordingId });
    expect(state.status).toBe(200);
    expect(state.json).toMatchObject({ recordingId, recordingState: "active" });
    const paused = await invoke(
      "pauseRecording",
      `recordings/${encodeURIComponent(recordingId)}/pause?acsResource=fabrikam-acs`,
      { recordingId },
    );
    expect(paused.status).toBe(202);
    const stopped = await invoke(
      "stopRecording",
      `recordings/${encodeURIComponent(recordingId)}?acsResource=fabrikam-acs`,
      { method: "DELETE", recordingId },
    );
    expect(stopped.status).toBe(200);
    expect(fabrikamCalls.requests.map((request) => request.operation)).toEqual(["start", "getState", "pause", "stop"]);

    // The other resource knows nothing of that recording: asked there, it answers 404.
    const elsewhere = await invoke(
      "getRecordingState",
      `recordings/${encodeURIComponent(recordingId)}?acsResource=contoso-acs`,
      {
        method: "GET",
        recordingId,
      },
    );
    expect(elsewhere.status).toBe(404);
    expect(contosoCalls.requests.map((request) => request.operation)).toEqual(["getState"]);
  });

  it("refuses a resource it does not serve (400), before any request", async () => {
    const before = sim.requests.length;
    const answer = await invoke("getRecordingState", "recordings/abc?acsResource=unknown-acs", {
      method: "GET",
      recordingId: "abc",
    });
    expect(answer.status).toBe(400);
    expect(answer.json).toMatchObject({ target: "acsResource" });
    expect((answer.json as { message: string }).message).toMatch(
      /names unknown-acs, which is not an ACS resource this app serves \(contoso-acs, fabrikam-acs\)/,
    );
    expect(sim.requests.length).toBe(before);
  });

  it("uses the resource's secondary key when its primary is regenerated, and says so", async () => {
    fabrikam.regenerateKey("primary");
    const serverCallId = callId("fabrikam-rotated");
    fabrikamCalls.addCall(serverCallId);
    const started = await invoke("startRecording", "recordings?acsResource=fabrikam-acs", { body: { serverCallId } });
    expect(started.status).toBe(200);
    expect(sim.requests.filter((request) => request.url.startsWith("/calling/recordings")).at(-1)).toMatchObject({
      signedWith: "secondary",
    });
    expect(
      logs.some(
        (line) =>
          line.startsWith("warning:") &&
          line.includes("the secondary key (ACS_RESOURCES__1__SECONDARY_CONNECTION_STRING) was accepted"),
      ),
    ).toBe(true);
  });

  it("probes every resource's endpoint in the health check, without a key, and names the one that does not answer", async () => {
    const closedPort = await freePort();
    const app = loadCompiledApp(
      settings({
        ACS_RESOURCES__1__CONNECTION_STRING: `endpoint=http://127.0.0.1:${closedPort}/;accesskey=${fabrikam.accessKey}`,
        ACS_RESOURCES__1__SECONDARY_CONNECTION_STRING: "",
      }),
    );
    const before = sim.requests.length;
    const answer = await invoke("health", "health", { method: "GET", app });
    const report = answer.json as { dependencies: { acsEndpoint: { ok: boolean; detail: string } } };
    expect(report.dependencies.acsEndpoint.ok).toBe(false);
    expect(report.dependencies.acsEndpoint.detail).toMatch(
      /contoso-acs: the ACS endpoint answered .*; fabrikam-acs: the ACS endpoint did not answer/,
    );
    const probes = sim.requests.slice(before);
    expect(probes.map((request) => request.resourceId ?? request.hostHeader)).toEqual([sim.endpointHost]);
    for (const probe of probes) expect(probe.headers["authorization"]).toBeUndefined();

    const healthy = await invoke("health", "health", { method: "GET" });
    expect(
      (healthy.json as { dependencies: { acsEndpoint: { ok: boolean; detail: string } } }).dependencies.acsEndpoint,
    ).toMatchObject({ ok: true });
  });
});
