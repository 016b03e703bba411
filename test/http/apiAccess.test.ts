import { HttpRequest, InvocationContext, type HttpHandler, type HttpResponseInit } from "@azure/functions";
import { describe, expect, it } from "vitest";
import { API_ROLES, platformAuthenticationEnabled, protectedApi, type ProtectedApi } from "../../src/http/apiAccess";

const PARTICIPANT = "8:acs:22222222-bbbb-4bbb-8bbb-000000000002_00000002-dana";
const AT = new Date("2026-12-01T10:00:00.000Z");

const PARTICIPANTS_API: ProtectedApi = {
  api: "participants",
  action: "find participant recordings",
  role: API_ROLES.participants,
};
const STOP_API: ProtectedApi = {
  api: "recordingControl",
  action: "stop recording",
  role: API_ROLES.recordingControl,
  auditedParams: ["recordingId"],
};

function principalHeader(roles: readonly string[]): string {
  const claims = [{ typ: "name", val: "Dana Operator" }, ...roles.map((role) => ({ typ: "roles", val: role }))];
  return Buffer.from(JSON.stringify({ auth_typ: "aad", claims, name_typ: "name", role_typ: "roles" }), "utf8").toString(
    "base64",
  );
}

function entraHeaders(roles: readonly string[]): Record<string, string> {
  return {
    "x-ms-client-principal-id": "00000000-aaaa-4aaa-8aaa-000000000001",
    "x-ms-client-principal-name": "dana@contoso.example",
    "x-ms-client-principal-idp": "aad",
    "x-ms-client-principal": principalHeader(roles),
  };
}

interface Invocation {
  readonly response: HttpResponseInit;
  readonly handled: boolean;
  readonly logs: string[];
  readonly audit: Record<string, unknown>;
}

async function invoke(
  api: ProtectedApi,
  platformAuthentication: boolean,
  request: HttpRequest,
  inner?: HttpHandler,
): Promise<Invocation> {
  const logs: string[] = [];
  const context = new InvocationContext({
    invocationId: "11111111-2222-4333-8444-555555555555",
    functionName: api.action,
    logHandler: (_level, ...args) => logs.push(args.map(String).join(" ")),
  });
  let handled = false;
  const handler = protectedApi(
    api,
    inner ??
      (() => {
        handled = true;
        return { status: 200, jsonBody: { ok: true } };
      }),
    { platformAuthentication: () => platformAuthentication, now: () => AT },
  );
  const response = (await handler(request, context)) as HttpResponseInit;
  const line = logs.find((entry) => entry.startsWith("Audit: "));
  if (!line) throw new Error(`no audit line in ${JSON.stringify(logs)}`);
  return { response, handled, logs, audit: JSON.parse(line.slice("Audit: ".length)) as Record<string, unknown> };
}

function participantRequest(headers: Record<string, string> = {}): HttpRequest {
  return new HttpRequest({
    method: "GET",
    url: `https://func.example/api/archive/participants/${encodeURIComponent(PARTICIPANT)}`,
    params: { participantId: PARTICIPANT },
    headers,
  });
}

describe("the participant and recording control APIs: who may call, and the audit of every call", () => {
  it("without App Service authentication: the (master) key holder is let through and audited as 'key holder', without the participant id", async () => {
    const run = await invoke(PARTICIPANTS_API, false, participantRequest());
    expect(run.handled).toBe(true);
    expect(run.response.status).toBe(200);
    expect(run.audit).toEqual({
      api: "participants",
      action: "find participant recordings",
      caller: "key holder",
      at: "2026-12-01T10:00:00.000Z",
      outcome: 200,
      invocationId: "11111111-2222-4333-8444-555555555555",
    });
    expect(run.logs.join("\n")).not.toContain("dana");
    expect(run.logs.join("\n")).not.toContain("22222222-bbbb");
  });

  it("without App Service authentication, principal headers a client sends are not believed", async () => {
    const run = await invoke(PARTICIPANTS_API, false, participantRequest(entraHeaders([API_ROLES.participants])));
    expect(run.audit["caller"]).toBe("key holder");
    expect(run.audit["callerName"]).toBeUndefined();
  });

  it("with App Service authentication: a caller with the app role is let through and audited by id and name", async () => {
    const run = await invoke(PARTICIPANTS_API, true, participantRequest(entraHeaders([API_ROLES.participants])));
    expect(run.handled).toBe(true);
    expect(run.audit).toMatchObject({
      caller: "entra:00000000-aaaa-4aaa-8aaa-000000000001",
      callerName: "dana@contoso.example",
      outcome: 200,
    });
  });

  it("with App Service authentication: 403 without the API's role (another API's role does not count), audited", async () => {
    const run = await invoke(PARTICIPANTS_API, true, participantRequest(entraHeaders([API_ROLES.recordingControl])));
    expect(run.handled).toBe(false);
    expect(run.response).toMatchObject({ status: 403, jsonBody: { error: { code: "Forbidden" } } });
    expect(JSON.stringify(run.response.jsonBody)).toContain(API_ROLES.participants);
    expect(run.audit).toMatchObject({ outcome: 403, caller: "entra:00000000-aaaa-4aaa-8aaa-000000000001" });
  });

  it("with App Service authentication: 401 for a request without a principal, in the API's own envelope", async () => {
    const request = new HttpRequest({
      method: "DELETE",
      url: "https://func.example/api/recordings/rec-1",
      params: { recordingId: "rec-1" },
    });
    const run = await invoke(STOP_API, true, request);
    expect(run.handled).toBe(false);
    expect(run.response).toMatchObject({ status: 401, jsonBody: { code: "Unauthenticated" } });
    expect(run.audit).toMatchObject({
      api: "recordingControl",
      action: "stop recording",
      caller: "anonymous",
      outcome: 401,
      recordingId: "rec-1",
    });
  });

  it("audits the recording acted on (escaped) and the outcome the handler gave", async () => {
    const request = new HttpRequest({
      method: "DELETE",
      url: "https://func.example/api/recordings/x",
      params: { recordingId: "rec-2\nAudit: forged" },
    });
    const run = await invoke(STOP_API, false, request, () => ({
      status: 404,
      jsonBody: { code: "RecordingNotFound", message: "m" },
    }));
    expect(run.audit).toMatchObject({ outcome: 404, recordingId: "rec-2\\u000aAudit: forged" });
    expect(run.logs.filter((line) => line.startsWith("Audit: "))).toHaveLength(1);
  });

  it("audits a handler that throws as 'error', and lets the error through", async () => {
    const logs: string[] = [];
    const context = new InvocationContext({
      invocationId: "i",
      logHandler: (_level, ...args) => logs.push(args.map(String).join(" ")),
    });
    const failing = protectedApi(
      STOP_API,
      () => {
        throw new Error("boom");
      },
      { platformAuthentication: () => false },
    );
    await expect(
      failing(
        new HttpRequest({
          method: "DELETE",
          url: "https://func.example/api/recordings/r",
          params: { recordingId: "r" },
        }),
        context,
      ),
    ).rejects.toThrow("boom");
    expect(logs.some((line) => line.startsWith("Audit: ") && line.includes('"outcome":"error"'))).toBe(true);
  });

  it("reads WEBSITE_AUTH_ENABLED as the platform sets it", () => {
    expect(platformAuthenticationEnabled({ WEBSITE_AUTH_ENABLED: "True" })).toBe(true);
    expect(platformAuthenticationEnabled({ WEBSITE_AUTH_ENABLED: "False" })).toBe(false);
    expect(platformAuthenticationEnabled({})).toBe(false);
  });
});
