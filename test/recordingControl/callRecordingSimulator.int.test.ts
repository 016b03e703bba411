// Integration tier. Needs: the ACS simulator.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAcsSimulator, type AcsSimulator } from "../../tools/acsSimulator";
import { createCallRecordingSimulator, type CallRecordingSimulator } from "../../tools/acsSimulator/callAutomation";
import { handSignedRequest, send, type RawResponse } from "../tools/support/handSignedRequest";

const API = "api-version=2026-03-12";

function json(response: RawResponse): unknown {
  return JSON.parse(response.body.toString("utf8"));
}

/** The raw REST surface of the simulated Call Automation recording API, signed by hand (not through the SDK). */
describe("simulated Call Automation recording routes", () => {
  let sim: AcsSimulator;
  let calls: CallRecordingSimulator;

  beforeAll(async () => {
    sim = await startAcsSimulator();
    calls = createCallRecordingSimulator({ calls: ["call-a", "call-b"] });
    sim.addEndpointRoute(calls.route);
  });
  afterAll(() => sim.close());

  const signed = (method: "GET" | "POST" | "DELETE" | "PUT", path: string, body?: object): Promise<RawResponse> =>
    handSignedRequest({
      accessKey: sim.accessKey,
      method,
      url: `${sim.endpointUrl}${path}`,
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { "Content-Type": "application/json" } }),
    });

  it("refuses unsigned requests before any route runs", async () => {
    const before = calls.requests.length;
    const response = await send(
      new URL(`${sim.endpointUrl}/calling/recordings?${API}`),
      "POST",
      { "Content-Type": "application/json" },
      "{}",
    );
    expect(response.status).toBe(401);
    expect(calls.requests.length).toBe(before);
  });

  it("walks the state machine with the service's status codes and bodies", async () => {
    const start = await signed("POST", `/calling/recordings?${API}`, {
      callLocator: { kind: "serverCallLocator", serverCallId: "call-a" },
      pauseOnStart: true,
    });
    expect(start.status).toBe(200);
    expect(start.headers["content-type"]).toMatch(/^application\/json/);
    const { recordingId } = json(start) as { recordingId: string };
    expect(json(start)).toEqual({
      recordingId,
      recordingState: "inactive",
      recordingKind: "azureCommunicationServices",
    });

    const path = `/calling/recordings/${encodeURIComponent(recordingId)}`;
    expect((await signed("POST", `${path}:resume?${API}`)).status).toBe(202);
    expect(json(await signed("GET", `${path}?${API}`))).toMatchObject({ recordingState: "active" });
    expect((await signed("POST", `${path}:pause?${API}`)).status).toBe(202);
    const again = await signed("POST", `${path}:pause?${API}`);
    expect(again.status).toBe(400);
    expect(json(again)).toEqual({
      error: { code: "RecordingNotActive", message: "The recording is not active, so it cannot be paused." },
    });
    const stop = await signed("DELETE", `${path}?${API}`);
    expect(stop.status).toBe(204);
    expect(stop.body.length).toBe(0);
    for (const [method, suffix] of [
      ["GET", ""],
      ["DELETE", ""],
      ["POST", ":pause"],
      ["POST", ":resume"],
    ] as const) {
      const gone = await signed(method, `${path}${suffix}?${API}`);
      expect(gone.status, `${method} ${suffix}`).toBe(404);
      expect(json(gone)).toMatchObject({ error: { code: "RecordingNotFound", target: "recordingId" } });
    }
    expect(calls.recording(recordingId)).toMatchObject({
      phase: "stopped",
      pauses: [expect.any(Object), expect.any(Object)],
    });
  });

  it("answers like the service to malformed requests", async () => {
    const missingVersion = await signed("GET", "/calling/recordings/abc");
    expect(missingVersion.status).toBe(400);
    expect(json(missingVersion)).toMatchObject({ error: { code: "MissingApiVersionParameter" } });
    expect((await signed("PUT", `/calling/recordings/abc?${API}`)).headers["allow"]).toBe("GET, DELETE");
    expect((await signed("GET", `/calling/recordings?${API}`)).status).toBe(405);
    const noLocator = await signed("POST", `/calling/recordings?${API}`, { recordingFormatType: "mp4" });
    expect(json(noLocator)).toMatchObject({ error: { code: "InvalidRequest", target: "callLocator" } });
    const group = await signed("POST", `/calling/recordings?${API}`, {
      callLocator: { kind: "groupCallLocator", groupCallId: "g" },
    });
    expect(json(group)).toMatchObject({ error: { target: "callLocator.kind" } });
    const badFormat = await signed("POST", `/calling/recordings?${API}`, {
      callLocator: { kind: "serverCallLocator", serverCallId: "call-b" },
      recordingFormatType: "ogg",
    });
    expect(badFormat.status).toBe(400);
    expect(json(badFormat)).toMatchObject({ error: { target: "recordingFormatType" } });
    const textBody = await handSignedRequest({
      accessKey: sim.accessKey,
      method: "POST",
      url: `${sim.endpointUrl}/calling/recordings?${API}`,
      body: "x",
      headers: { "Content-Type": "text/plain" },
    });
    expect(textBody.status).toBe(415);
  });

  it("leaves other endpoint paths to the simulator's own routes", async () => {
    expect((await signed("GET", `/calling/callConnections/x?${API}`)).status).toBe(404);
  });

  it("replays a start with the same Repeatability-Request-ID instead of starting again", async () => {
    const body = JSON.stringify({ callLocator: { kind: "serverCallLocator", serverCallId: "call-b" } });
    const headers = {
      "Content-Type": "application/json",
      "Repeatability-Request-ID": "5f0e6c1e-2f8a-4a36-9d0b-2f3b1f1d0c11",
    };
    const url = `${sim.endpointUrl}/calling/recordings?${API}`;
    const first = await handSignedRequest({ accessKey: sim.accessKey, method: "POST", url, body, headers });
    const second = await handSignedRequest({ accessKey: sim.accessKey, method: "POST", url, body, headers });
    expect(first.status).toBe(200);
    expect(json(second)).toEqual(json(first));
    const third = await handSignedRequest({
      accessKey: sim.accessKey,
      method: "POST",
      url,
      body,
      headers: { "Content-Type": "application/json" },
    });
    expect(json(third)).toMatchObject({ error: { code: "RecordingAlreadyInProgress" } });
  });

  it("accepts any call when told to (manual use against func start)", async () => {
    const open = createCallRecordingSimulator({ acceptAnyCall: true });
    const local = await startAcsSimulator();
    try {
      local.addEndpointRoute(open.route);
      const response = await handSignedRequest({
        accessKey: local.accessKey,
        method: "POST",
        url: `${local.endpointUrl}/calling/recordings?${API}`,
        body: JSON.stringify({ callLocator: { kind: "serverCallLocator", serverCallId: "whatever" } }),
        headers: { "Content-Type": "application/json" },
      });
      expect(response.status).toBe(200);
    } finally {
      await local.close();
    }
  });
});
