// Integration tier. Needs: the ACS simulator, dist/, loopback servers.
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { format } from "node:util";
import { HttpRequest, type HttpResponseInit } from "@azure/functions";
import type * as AzureLoggerModule from "@azure/logger";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { startAcsSimulator, type AcsSimulator } from "../../tools/acsSimulator";
import { createCallRecordingSimulator, type CallRecordingSimulator } from "../../tools/acsSimulator/callAutomation";
import { freePort } from "../../tools/freePort";
import { findFunction, loadCompiledApp, type RegisteredFunction } from "../support/compiledApp";
import { capturingContext, TEST_ACS_RESOURCE } from "../support/testSettings";

// The Azure SDK logger as the compiled app loads it (CommonJS), so that its output can be captured.
const appRequire = createRequire(join(resolve(__dirname, "..", ".."), "package.json"));
const azureLogger = appRequire("@azure/logger") as typeof AzureLoggerModule;

interface Invocation {
  readonly status: number;
  readonly body: unknown;
  readonly logs: readonly string[];
}

interface InvokeOptions {
  readonly recordingId?: string;
  /** An object is sent as JSON, a string verbatim. */
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
}

const ROUTES = {
  startRecording: { route: "recordings", methods: ["POST"] },
  getRecordingState: { route: "recordings/{recordingId}", methods: ["GET"] },
  pauseRecording: { route: "recordings/{recordingId}/pause", methods: ["POST"] },
  resumeRecording: { route: "recordings/{recordingId}/resume", methods: ["POST"] },
  stopRecording: { route: "recordings/{recordingId}", methods: ["DELETE"] },
} as const;
type FunctionName = keyof typeof ROUTES;

let callSequence = 0;
function newCallId(): string {
  callSequence += 1;
  return Buffer.from(`https://api.flightproxy.skype.com/api/v2/cp/conv-sim/conversations/fn-${callSequence}`).toString(
    "base64url",
  );
}

describe("recording control HTTP functions (compiled app) against the simulated Call Automation API", () => {
  let sim: AcsSimulator;
  let calls: CallRecordingSimulator;
  let functions: RegisteredFunction[];
  /** Everything any invocation answered or logged, and everything the SDK and console logged: checked for secrets. */
  const seen: string[] = [];
  const sdkLog: string[] = [];
  const originalAzureLog = azureLogger.AzureLogger.log;

  function settingsFor(connectionString: string): Record<string, string> {
    return {
      AzureWebJobsStorage: "UseDevelopmentStorage=true",
      ACS_CONNECTION_STRING: connectionString,
      ALLOWED_ACS_RESOURCES: TEST_ACS_RESOURCE,
    };
  }

  async function invokeIn(
    app: readonly RegisteredFunction[],
    name: FunctionName,
    options: InvokeOptions = {},
  ): Promise<Invocation> {
    const { route, methods } = ROUTES[name];
    const path =
      options.recordingId === undefined
        ? route
        : route.replace("{recordingId}", encodeURIComponent(options.recordingId));
    const body =
      options.body === undefined
        ? undefined
        : typeof options.body === "string"
          ? options.body
          : JSON.stringify(options.body);
    const request = new HttpRequest({
      method: methods[0],
      url: `http://localhost:7071/api/${path}`,
      headers: { "content-type": "application/json", ...options.headers },
      params: options.recordingId === undefined ? {} : { recordingId: options.recordingId },
      ...(body === undefined ? {} : { body: { string: body } }),
    });
    const { context, logs } = capturingContext(name);
    const response = (await findFunction(app, name).handler(request, context)) as HttpResponseInit;
    const lines = logs.map((log) => `${log.level}: ${log.message}`);
    seen.push(JSON.stringify(response), ...lines);
    return { status: response.status ?? 200, body: response.jsonBody, logs: lines };
  }

  const invoke = (name: FunctionName, options: InvokeOptions = {}): Promise<Invocation> =>
    invokeIn(functions, name, options);

  async function startedRecording(): Promise<{ serverCallId: string; recordingId: string }> {
    const serverCallId = newCallId();
    calls.addCall(serverCallId);
    const started = await invoke("startRecording", { body: { serverCallId } });
    expect(started.status).toBe(200);
    return { serverCallId, recordingId: (started.body as { recordingId: string }).recordingId };
  }

  /** The 2021 preview API's error shape, and nothing else (no stack, no request). */
  function expectErrorShape(body: unknown): void {
    expect(body).toEqual(
      expect.objectContaining({ code: expect.any(String) as unknown, message: expect.any(String) as unknown }),
    );
    expect(Object.keys(body as object).every((key) => ["code", "message", "target", "details"].includes(key))).toBe(
      true,
    );
    expect(JSON.stringify(body)).not.toMatch(/\n\s+at |RestError|stack|HMAC-SHA256|authorization/i);
  }

  beforeAll(async () => {
    sim = await startAcsSimulator();
    calls = createCallRecordingSimulator();
    sim.addEndpointRoute(calls.route);
    azureLogger.AzureLogger.log = (...args: unknown[]) => {
      sdkLog.push(format(...args));
    };
    azureLogger.setLogLevel("info");
    for (const level of ["log", "info", "warn", "error", "debug"] as const) {
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
        seen.push(format(...args));
      });
    }
    functions = loadCompiledApp(settingsFor(sim.connectionString));
  });

  afterAll(async () => {
    azureLogger.setLogLevel();
    azureLogger.AzureLogger.log = originalAzureLog;
    vi.restoreAllMocks();
    await sim.close();
  });

  beforeEach(() => calls.clearFaults());

  it("registers the five functions at admin level (the master key, never the default function key), on exactly the issue's routes and methods", () => {
    for (const [name, { route, methods }] of Object.entries(ROUTES)) {
      const trigger = Object.values(findFunction(functions, name).metadata.bindings).find(
        (binding) => binding.direction === "in",
      );
      expect(trigger, name).toMatchObject({ type: "httpTrigger", authLevel: "admin", route });
      expect(trigger?.["methods"], name).toEqual(methods);
    }
  });

  describe("the happy path", () => {
    it("starts, reports, pauses, resumes and stops a recording", async () => {
      const serverCallId = newCallId();
      calls.addCall(serverCallId);

      const started = await invoke("startRecording", {
        body: { serverCallId, content: "audioVideo", channel: "mixed", format: "mp4" },
      });
      expect(started).toMatchObject({
        status: 200,
        body: {
          recordingId: expect.any(String) as unknown,
          recordingState: "active",
          recordingKind: "azureCommunicationServices",
          serverCallId,
        },
      });
      const { recordingId } = started.body as { recordingId: string };
      expect(started.logs.join("\n")).toContain(
        `Started recording ${recordingId} (active) of server call ${serverCallId}`,
      );

      expect(await invoke("getRecordingState", { recordingId })).toMatchObject({
        status: 200,
        body: { recordingId, recordingState: "active", recordingKind: "azureCommunicationServices" },
      });
      expect(await invoke("pauseRecording", { recordingId })).toMatchObject({ status: 202, body: {} });
      expect(await invoke("getRecordingState", { recordingId })).toMatchObject({
        status: 200,
        body: { recordingState: "inactive" },
      });
      expect(
        await invoke("resumeRecording", { recordingId, body: { operationContext: "user-clicked-resume" } }),
      ).toMatchObject({ status: 202, body: {} });
      expect(await invoke("getRecordingState", { recordingId })).toMatchObject({
        status: 200,
        body: { recordingState: "active" },
      });
      const stop = await invoke("stopRecording", { recordingId, body: "" });
      expect(stop).toMatchObject({ status: 200, body: {} });
      expect(stop.logs.join("\n")).toContain(`Stopped recording ${recordingId}`);

      expect(calls.requests.slice(-7).map((request) => [request.operation, request.status])).toEqual([
        ["start", 200],
        ["getState", 200],
        ["pause", 202],
        ["getState", 200],
        ["resume", 202],
        ["getState", 200],
        ["stop", 204],
      ]);
      expect(calls.recording(recordingId)).toMatchObject({
        phase: "stopped",
        endReason: "stopped",
        pauses: [expect.any(Object)],
      });
    });

    it("takes conversationId as an alias of serverCallId", async () => {
      const serverCallId = newCallId();
      calls.addCall(serverCallId);
      const started = await invoke("startRecording", { body: { conversationId: serverCallId } });
      expect(started).toMatchObject({ status: 200, body: { serverCallId } });
      expect(JSON.parse(calls.requests.at(-1)?.body ?? "")).toMatchObject({
        callLocator: { kind: "serverCallLocator", serverCallId },
      });
    });

    it("base64url-encodes a conversationUrl into the serverCallId it sends", async () => {
      const conversationUrl = "https://api.flightproxy.skype.com/api/v2/cp/conv-euno-01/conversations/>?~~";
      const serverCallId = Buffer.from(conversationUrl).toString("base64url");
      expect(Buffer.from(conversationUrl).toString("base64")).not.toBe(serverCallId);
      calls.addCall(serverCallId);
      const started = await invoke("startRecording", { body: { conversationUrl } });
      expect(started).toMatchObject({ status: 200, body: { serverCallId } });
      expect(JSON.parse(calls.requests.at(-1)?.body ?? "")).toMatchObject({ callLocator: { serverCallId } });
    });

    it("sends content, channel, format and the callback, and echoes and logs the operationContext", async () => {
      const serverCallId = newCallId();
      calls.addCall(serverCallId);
      const started = await invoke("startRecording", {
        body: {
          serverCallId,
          content: "Audio",
          channel: "Mixed",
          format: "Mp3",
          recordingStateCallbackUri: "https://app.example.com/state",
          operationContext: "case-7",
        },
      });
      expect(started).toMatchObject({ status: 200, body: { operationContext: "case-7" } });
      expect(started.logs.join("\n")).toContain('[operationContext "case-7"]');
      expect(JSON.parse(calls.requests.at(-1)?.body ?? "")).toMatchObject({
        recordingContentType: "audio",
        recordingChannelType: "mixed",
        recordingFormatType: "mp3",
        recordingStateCallbackUri: "https://app.example.com/state",
      });
    });
  });

  describe("bad input: 400 naming the field, and nothing sent to the service", () => {
    const cases: ReadonlyArray<[string, InvokeOptions, string]> = [
      ["no body", {}, "body"],
      ["an empty body", { body: "  " }, "body"],
      ["a body that is not JSON", { body: "serverCallId=abc" }, "body"],
      ["a JSON array", { body: [] }, "body"],
      ["no serverCallId", { body: { format: "mp4" } }, "serverCallId"],
      ["an empty serverCallId", { body: { serverCallId: "" } }, "serverCallId"],
      ["a serverCallId that is not a string", { body: { serverCallId: 12 } }, "serverCallId"],
      [
        "serverCallId and conversationId together",
        { body: { serverCallId: "a", conversationId: "a" } },
        "conversationId",
      ],
      ["a conversationUrl that is not a URL", { body: { conversationUrl: "conv-1" } }, "conversationUrl"],
      ["a bad content", { body: { serverCallId: "a", content: "video" } }, "content"],
      ["a bad channel", { body: { serverCallId: "a", channel: "stereo" } }, "channel"],
      ["a bad format", { body: { serverCallId: "a", format: "ogg" } }, "format"],
      [
        "a recordingStateCallbackUri that is not http(s)",
        { body: { serverCallId: "a", recordingStateCallbackUri: "ftp://x.example/cb" } },
        "recordingStateCallbackUri",
      ],
      [
        "an operationContext that is not a string",
        { body: { serverCallId: "a", operationContext: { id: 1 } } },
        "operationContext",
      ],
      ["an unknown field (a typo of format)", { body: { serverCallId: "a", fromat: "mp3" } }, "fromat"],
    ];

    it.each(cases)("start with %s", async (_, options, target) => {
      const before = calls.requests.length;
      const answer = await invoke("startRecording", options);
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({
        code: "InvalidRequest",
        target,
        message: expect.stringMatching(new RegExp(`^${target} `)) as unknown,
      });
      expectErrorShape(answer.body);
      expect(calls.requests.length).toBe(before);
    });

    it("lists the allowed values when one is wrong", async () => {
      const answer = await invoke("startRecording", { body: { serverCallId: "a", channel: "stereo" } });
      expect(answer.body).toEqual({
        code: "InvalidRequest",
        target: "channel",
        message: 'channel must be one of "mixed", "unmixed".',
      });
    });

    it.each(["getRecordingState", "pauseRecording", "resumeRecording", "stopRecording"] as const)(
      "%s with a malformed recording id",
      async (name) => {
        const before = calls.requests.length;
        const answer = await invoke(name, { recordingId: "not an id" });
        expect(answer).toMatchObject({ status: 400, body: { code: "InvalidRequest", target: "recordingId" } });
        expect(calls.requests.length).toBe(before);
      },
    );

    // Ids that would steer the service URL (/calling/recordings/{id}) or are not ids at all: 400, and nothing reaches ACS.
    const PATH_TRICKS: readonly (readonly [string, string])[] = [
      ["empty", ""],
      ["blank", "   "],
      [".", "."],
      ["..", ".."],
      ["...", "..."],
      ["a slash", "eyJh/../../calls"],
      ["a leading slash", "/eyJh"],
      ["a backslash", "eyJh\\..\\x"],
      ["a query", "eyJh?api-version=1"],
      ["a fragment", "eyJh#x"],
      ["an encoded slash", "eyJh%2F..%2Fx"],
      ["encoded dots", "%2e%2e"],
      ["a NUL", "eyJh\u0000"],
      ["a line break", "eyJh\nx"],
      ["a DEL", "eyJh\u007f"],
    ];
    const OPERATIONS = ["getRecordingState", "pauseRecording", "resumeRecording", "stopRecording"] as const;

    it.each(PATH_TRICKS.flatMap(([label, id]) => OPERATIONS.map((name) => [name, label, id] as const)))(
      "%s with a recording id that is %s: 400, nothing sent",
      async (name, _label, recordingId) => {
        const before = { calls: calls.requests.length, sim: sim.requests.length };
        const answer = await invoke(name, { recordingId });
        expect(answer).toMatchObject({ status: 400, body: { code: "InvalidRequest", target: "recordingId" } });
        expectErrorShape(answer.body);
        expect({ calls: calls.requests.length, sim: sim.requests.length }).toEqual(before);
      },
    );

    it.each(["pauseRecording", "resumeRecording", "stopRecording"] as const)(
      "%s with a body other than { operationContext }",
      async (name) => {
        const { recordingId } = await startedRecording();
        const before = calls.requests.length;
        expect(await invoke(name, { recordingId, body: { reason: "x" } })).toMatchObject({
          status: 400,
          body: { code: "InvalidRequest", target: "reason" },
        });
        expect(await invoke(name, { recordingId, body: "{oops" })).toMatchObject({
          status: 400,
          body: { code: "InvalidRequest", target: "body" },
        });
        expect(calls.requests.length).toBe(before);
      },
    );
  });

  describe("what the service refuses", () => {
    it("404 for an unknown call, naming the field that named it", async () => {
      const serverCallId = newCallId();
      const answer = await invoke("startRecording", { body: { serverCallId } });
      expect(answer.status).toBe(404);
      expect(answer.body).toEqual({
        code: "NotFound",
        target: "serverCallId",
        message: "The recording service knows no call with this serverCallId (or the call has ended).",
        details: [
          {
            code: "CallNotFound",
            message: "No call in progress has this serverCallId.",
            target: "callLocator.serverCallId",
          },
        ],
      });
      const alias = await invoke("startRecording", { body: { conversationId: serverCallId } });
      expect(alias).toMatchObject({ status: 404, body: { target: "conversationId" } });
    });

    it.each(["getRecordingState", "pauseRecording", "resumeRecording", "stopRecording"] as const)(
      "404 from %s for an unknown recording",
      async (name) => {
        const answer = await invoke(name, { recordingId: "eyJ1bmtub3duIjp0cnVlfQ" });
        expect(answer).toMatchObject({
          status: 404,
          body: { code: "NotFound", target: "recordingId", details: [{ code: "RecordingNotFound" }] },
        });
        expectErrorShape(answer.body);
      },
    );

    it("404 for every operation once a recording is stopped", async () => {
      const { recordingId } = await startedRecording();
      expect((await invoke("stopRecording", { recordingId })).status).toBe(200);
      for (const name of ["getRecordingState", "pauseRecording", "resumeRecording", "stopRecording"] as const) {
        expect((await invoke(name, { recordingId })).status, name).toBe(404);
      }
    });

    it("400 with the service's error in details when pausing a recording that is not active", async () => {
      const { recordingId } = await startedRecording();
      expect((await invoke("pauseRecording", { recordingId })).status).toBe(202);
      const answer = await invoke("pauseRecording", { recordingId });
      expect(answer.status).toBe(400);
      expect(answer.body).toEqual({
        code: "RequestRejected",
        message:
          "The recording service refused to pause the recording: The recording is not active, so it cannot be paused.",
        details: [{ code: "RecordingNotActive", message: "The recording is not active, so it cannot be paused." }],
      });
      expect(answer.logs.join("\n")).toContain("service said RecordingNotActive");
    });

    it("400 when resuming a recording that is not paused", async () => {
      const { recordingId } = await startedRecording();
      const answer = await invoke("resumeRecording", { recordingId });
      expect(answer).toMatchObject({
        status: 400,
        body: { code: "RequestRejected", details: [{ code: "RecordingNotPaused" }] },
      });
    });

    it("400 when the call is already being recorded", async () => {
      const { serverCallId } = await startedRecording();
      const answer = await invoke("startRecording", { body: { serverCallId } });
      expect(answer).toMatchObject({
        status: 400,
        body: { code: "RequestRejected", details: [{ code: "RecordingAlreadyInProgress" }] },
      });
    });

    it("400 with the service's target for a combination it does not support (unmixed mp3)", async () => {
      const serverCallId = newCallId();
      calls.addCall(serverCallId);
      const answer = await invoke("startRecording", {
        body: { serverCallId, content: "audio", channel: "unmixed", format: "mp3" },
      });
      expect(answer).toMatchObject({
        status: 400,
        body: {
          code: "RequestRejected",
          target: "recordingFormatType",
          details: [{ code: "UnsupportedRecordingConfiguration" }],
        },
      });
    });
  });

  describe("when the service fails: 502, without the service's text", () => {
    it.each([
      ["startRecording", "start"],
      ["getRecordingState", "getState"],
      ["pauseRecording", "pause"],
      ["resumeRecording", "resume"],
      ["stopRecording", "stop"],
    ] as const)("%s answers 502 when the service keeps answering 500", async (name, operation) => {
      const { serverCallId, recordingId } = await startedRecording();
      if (name === "startRecording") calls.endCall(serverCallId);
      calls.failNext({
        operation,
        status: 500,
        times: Infinity,
        body: { error: { code: "8500", message: "Internal detail: node-17 at Handler.run (svc.cs:42)" } },
      });
      const before = calls.requests.length;
      const answer = await invoke(name, name === "startRecording" ? { body: { serverCallId } } : { recordingId });
      expect(answer.status).toBe(502);
      expect(answer.body).toEqual({
        code: "UpstreamFailure",
        message: expect.stringMatching(
          /^The recording service failed to .+: it answered HTTP 500 \(8500\)\.$/,
        ) as unknown,
      });
      expectErrorShape(answer.body);
      expect(JSON.stringify(answer.body)).not.toContain("Internal detail");
      expect(calls.requests.length - before).toBe(4);
    });

    it("answers 502 for an HTML error page, without copying it", async () => {
      const { recordingId } = await startedRecording();
      calls.failNext({
        operation: "getState",
        status: 503,
        times: Infinity,
        body: "<html><h1>503 Service Unavailable</h1><pre>at Gateway.forward</pre></html>",
      });
      const answer = await invoke("getRecordingState", { recordingId });
      expect(answer).toMatchObject({
        status: 502,
        body: {
          code: "UpstreamFailure",
          message: "The recording service failed to report the recording's state: it answered HTTP 503.",
        },
      });
      expectErrorShape(answer.body);
    });

    it("succeeds when a single 500 is retried", async () => {
      const { recordingId } = await startedRecording();
      calls.failNext({ operation: "pause", status: 500 });
      expect(await invoke("pauseRecording", { recordingId })).toMatchObject({ status: 202 });
    });

    it("answers 502 when the service cannot be reached", async () => {
      const port = await freePort();
      const offline = loadCompiledApp(settingsFor(`endpoint=http://127.0.0.1:${port}/;accesskey=${sim.accessKey}`));
      const answer = await invokeIn(offline, "getRecordingState", { recordingId: "eyJhIjoxfQ" });
      expect(answer).toMatchObject({
        status: 502,
        body: {
          code: "UpstreamFailure",
          message:
            "The recording service failed to report the recording's state: it could not be reached (ECONNREFUSED).",
        },
      });
    });

    it("answers 502 naming the setting (not the key) when the service refuses the key", async () => {
      const wrongKey = Buffer.alloc(32, 3).toString("base64");
      const stranger = loadCompiledApp(settingsFor(`endpoint=${sim.endpointUrl}/;accesskey=${wrongKey}`));
      const serverCallId = newCallId();
      calls.addCall(serverCallId);
      const answer = await invokeIn(stranger, "startRecording", { body: { serverCallId } });
      expect(answer).toMatchObject({
        status: 502,
        body: { code: "UpstreamFailure", message: expect.stringContaining("check ACS_CONNECTION_STRING") as unknown },
      });
      expect(sim.requests.at(-1)).toMatchObject({ authorized: false, status: 401 });
      expect(seen.join("\n")).not.toContain(wrongKey);
    });
  });

  it("never lets the access key (or a signature) into a response or a log line, the SDK's own log included", () => {
    expect(sdkLog.some((line) => line.includes("/calling/recordings"))).toBe(true);
    const everything = [...seen, ...sdkLog].join("\n");
    expect(everything.length).toBeGreaterThan(0);
    expect(everything).not.toContain(sim.accessKey);
    expect(everything).not.toContain(Buffer.from(sim.accessKey, "base64").toString("hex"));
    expect(everything).not.toMatch(/Signature=[A-Za-z0-9+/]/);
    expect(everything).not.toMatch(/accesskey=/i);
  });
});
