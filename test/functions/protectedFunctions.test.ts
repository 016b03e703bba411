import type * as Functions from "@azure/functions";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { API_ROLES } from "../../src/http/apiAccess";
import { callHttp, functionRequest, type FunctionRequestInit } from "../support/handlerHarness";

/*
 * The functions that act on people and on calls, as the function files register them (not the bare factories): the
 * registration is captured by replacing app.http, then each registered handler is called as the worker would call it,
 * with App Service authentication on. No settings are given, so a caller who gets through meets the real composition
 * root refusing work (503 ConfigurationError naming the setting), in the API's own envelope.
 */
const registered = vi.hoisted(() => new Map<string, Functions.HttpFunctionOptions>());
vi.mock("@azure/functions", async (importOriginal) => {
  const library = await importOriginal<typeof Functions>();
  return {
    ...library,
    app: {
      ...library.app,
      http: (name: string, options: Functions.HttpFunctionOptions) => registered.set(name, options),
    },
  };
});

const PARTICIPANT = "8:acs:22222222-bbbb-4bbb-8bbb-000000000002_00000002-dana";

interface ProtectedFunction {
  readonly name: string;
  readonly route: string;
  readonly method: string;
  readonly role: string;
  /** Where the API puts its error body: `{ error: body }` or the body bare. */
  readonly envelope: "error" | "bare";
  readonly request: FunctionRequestInit;
  /** The recording id the audit names (the participant API names none). */
  readonly audited?: string;
}

const CONTROL = { role: API_ROLES.recordingControl, envelope: "bare" } as const;
const PROTECTED: readonly ProtectedFunction[] = [
  {
    name: "getParticipantRecordings",
    route: "archive/participants/search",
    method: "POST",
    role: API_ROLES.participants,
    envelope: "error",
    request: {
      method: "POST",
      path: "archive/participants/search",
      body: JSON.stringify({ participantId: PARTICIPANT }),
    },
  },
  {
    name: "startRecording",
    route: "recordings",
    method: "POST",
    ...CONTROL,
    request: { method: "POST", path: "recordings", body: '{"serverCallId":"s"}' },
  },
  {
    name: "getRecordingState",
    route: "recordings/{recordingId}",
    method: "GET",
    ...CONTROL,
    request: { path: "recordings/rec-1", params: { recordingId: "rec-1" } },
    audited: "rec-1",
  },
  {
    name: "pauseRecording",
    route: "recordings/{recordingId}/pause",
    method: "POST",
    ...CONTROL,
    request: { method: "POST", path: "recordings/rec-1/pause", params: { recordingId: "rec-1" } },
    audited: "rec-1",
  },
  {
    name: "resumeRecording",
    route: "recordings/{recordingId}/resume",
    method: "POST",
    ...CONTROL,
    request: { method: "POST", path: "recordings/rec-1/resume", params: { recordingId: "rec-1" } },
    audited: "rec-1",
  },
  {
    name: "stopRecording",
    route: "recordings/{recordingId}",
    method: "DELETE",
    ...CONTROL,
    request: { method: "DELETE", path: "recordings/rec-1", params: { recordingId: "rec-1" } },
    audited: "rec-1",
  },
];

function principal(roles: readonly string[]): Record<string, string> {
  const claims = roles.map((role) => ({ typ: "roles", val: role }));
  return {
    "x-ms-client-principal-id": "00000000-aaaa-4aaa-8aaa-000000000001",
    "x-ms-client-principal-name": "dana@contoso.example",
    "x-ms-client-principal": Buffer.from(
      JSON.stringify({ auth_typ: "aad", claims, role_typ: "roles" }),
      "utf8",
    ).toString("base64"),
  };
}

function errorOf(fn: ProtectedFunction, json: unknown): { code?: unknown; message?: unknown } {
  const body = json as Record<string, unknown>;
  return (fn.envelope === "error" ? body["error"] : body) as { code?: unknown; message?: unknown };
}

async function call(fn: ProtectedFunction, headers: Record<string, string>) {
  const options = registered.get(fn.name);
  if (!options) throw new Error(`${fn.name} was not registered`);
  const answer = await callHttp(
    options.handler,
    functionRequest({ ...fn.request, headers: { ...fn.request.headers, ...headers } }),
  );
  const line = answer.logs.find((entry) => entry.message.startsWith("Audit: "));
  if (!line) throw new Error(`no audit line for ${fn.name}`);
  return { ...answer, audit: JSON.parse(line.message.slice("Audit: ".length)) as Record<string, unknown> };
}

beforeAll(async () => {
  vi.stubEnv("WEBSITE_AUTH_ENABLED", "true");
  vi.stubEnv("AzureWebJobsStorage", "");
  vi.spyOn(console, "error").mockImplementation(() => undefined);
  vi.spyOn(console, "warn").mockImplementation(() => undefined);
  for (const fn of PROTECTED) await import(`../../src/functions/${fn.name}.ts`);
});
afterAll(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

describe.each(PROTECTED)("$name, as registered", (fn) => {
  it(`is an admin-level ${fn.method} on ${fn.route}`, () => {
    expect(registered.get(fn.name)).toMatchObject({ route: fn.route, methods: [fn.method], authLevel: "admin" });
  });

  it("401 Unauthenticated, audited, for a request without a principal", async () => {
    const answer = await call(fn, {});
    expect(answer.status).toBe(401);
    expect(errorOf(fn, answer.json)).toMatchObject({ code: "Unauthenticated" });
    expect(answer.audit).toMatchObject({ caller: "anonymous", outcome: 401 });
  });

  it(`403 Forbidden, audited, for a caller without the app role ${fn.role}`, async () => {
    const otherRole = fn.role === API_ROLES.participants ? API_ROLES.recordingControl : API_ROLES.participants;
    const answer = await call(fn, principal([otherRole]));
    expect(answer.status).toBe(403);
    expect(errorOf(fn, answer.json)).toEqual({
      code: "Forbidden",
      message: `The caller does not have the app role ${fn.role}.`,
    });
    expect(answer.audit).toMatchObject({ caller: "entra:00000000-aaaa-4aaa-8aaa-000000000001", outcome: 403 });
  });

  it("a caller with the role reaches the function: while the settings are bad, 503 ConfigurationError, audited with its outcome", async () => {
    const answer = await call(fn, principal([fn.role]));
    expect(answer.status).toBe(503);
    expect(errorOf(fn, answer.json)).toMatchObject({ code: "ConfigurationError" });
    expect(answer.audit).toMatchObject({ outcome: 503, ...(fn.audited ? { recordingId: fn.audited } : {}) });
    expect(answer.audit).toMatchObject({
      caller: "entra:00000000-aaaa-4aaa-8aaa-000000000001",
      callerName: "dana@contoso.example",
    });
    expect(answer.logs.map((line) => line.message).join("\n")).not.toContain(PARTICIPANT);
  });
});
