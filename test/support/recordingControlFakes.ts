/**
 * The recording control API's handlers in the unit tier: the real RecordingControls (which resource a request names,
 * parsed from real settings) over fake per-resource controls that answer as the test says. No ACS, no network.
 */
import type { HttpHandler } from "@azure/functions";
import { describe, expect, it } from "vitest";
import type { Lazy } from "../../src/app/serviceProvider";
import { parseAcsResources } from "../../src/config/acsResources";
import {
  RecordingNotFoundError,
  RecordingRequestRejectedError,
  RecordingServiceError,
} from "../../src/recordingControl/errors";
import type { ControlOutcome, RecordingControl } from "../../src/recordingControl/recordingControl";
import { RecordingControls } from "../../src/recordingControl/recordingControls";
import { callHttp, fakeService, functionRequest, notConfigured } from "./handlerHarness";
import { TEST_ACS_CONNECTION_STRING } from "./testSettings";

export type ControlOperation = "start" | "getState" | "pause" | "resume" | "stop";

export interface ControlCall {
  /** The resource the request was routed to (its settings label). */
  readonly resource: string;
  readonly operation: ControlOperation;
  readonly argument: unknown;
}

const resourceId = (name: string): string =>
  `/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/calls-rg/providers/Microsoft.Communication/communicationServices/${name}`;

/** The app's settings for one ACS resource (ACS_CONNECTION_STRING) or two named ones (ACS_RESOURCES__<n>). */
function acsSettings(resources: "one" | "two"): Record<string, string> {
  if (resources === "one") return { ACS_CONNECTION_STRING: TEST_ACS_CONNECTION_STRING };
  return {
    ACS_RESOURCES__0__RESOURCE_ID: resourceId("contoso-acs"),
    ACS_RESOURCES__0__CONNECTION_STRING: TEST_ACS_CONNECTION_STRING.replace("contoso-test", "contoso-acs"),
    ACS_RESOURCES__1__RESOURCE_ID: resourceId("fabrikam-acs"),
    ACS_RESOURCES__1__CONNECTION_STRING: TEST_ACS_CONNECTION_STRING.replace("contoso-test", "fabrikam-acs"),
  };
}

/**
 * RecordingControls whose every operation answers `answer(operation, argument)` (a value, or a thrown error);
 * `calls` lists what reached a resource.
 */
export function controlsOf(
  answer: (operation: ControlOperation, argument: unknown) => Promise<unknown>,
  resources: "one" | "two" = "one",
): { lazy: Lazy<RecordingControls>; calls: ControlCall[] } {
  const calls: ControlCall[] = [];
  const controls = new RecordingControls(parseAcsResources(acsSettings(resources), []), (connection) => {
    const resource = connection.label;
    const run = <T>(operation: ControlOperation, argument: unknown): Promise<T> => {
      calls.push({ resource, operation, argument });
      return answer(operation, argument) as Promise<T>;
    };
    const control: RecordingControl = fakeService<RecordingControl>({
      withLog: () => control,
      start: (request) => run("start", request),
      getState: (recordingId) => run("getState", recordingId),
      pause: (recordingId) => run("pause", recordingId),
      resume: (recordingId) => run("resume", recordingId),
      stop: (recordingId) => run("stop", recordingId),
    });
    Object.defineProperty(control, "resourceName", {
      value: connection.resourceId === undefined ? undefined : resource,
    });
    return control;
  });
  return { lazy: () => controls, calls };
}

/** The service's own `{ error }` detail, as RecordingRequestRejectedError and RecordingNotFoundError carry it. */
export const SERVICE_DETAIL = { code: "8522", message: "Recording is not active.", target: "recordingId" };

/**
 * The cases every pause, resume and stop handler answers alike (they share one handler): `factory` is the function's
 * handler factory, `operation` what it asks of the resource.
 */
export function describeRecordingAction(
  factory: (control: Lazy<RecordingControls>) => HttpHandler,
  operation: "pause" | "resume" | "stop",
): void {
  const method = operation === "stop" ? "DELETE" : "POST";
  const path = operation === "stop" ? "recordings/rec-1" : `recordings/rec-1/${operation}`;
  const request = (init: { body?: string; recordingId?: string; query?: Record<string, string> } = {}) =>
    functionRequest({
      method,
      path,
      params: { recordingId: init.recordingId ?? "rec-1" },
      ...(init.body !== undefined ? { body: init.body } : {}),
      ...(init.query ? { query: init.query } : {}),
    });
  const answering = (outcome: ControlOutcome | Error) =>
    controlsOf(() => (outcome instanceof Error ? Promise.reject(outcome) : Promise.resolve(outcome)));

  describe(`${operation}: ${method} /api/${path}`, () => {
    it("202 {} when the service accepted it for asynchronous completion, for the route's recording", async () => {
      const { lazy, calls } = answering({ accepted: true });
      const answer = await callHttp(factory(lazy), request());
      expect(answer.status).toBe(202);
      expect(answer.json).toEqual({});
      expect(calls).toEqual([{ resource: "ACS_CONNECTION_STRING", operation, argument: "rec-1" }]);
    });

    it("200 {} when the service completed it, with an optional { operationContext } body logged", async () => {
      const { lazy } = answering({ accepted: false });
      const answer = await callHttp(factory(lazy), request({ body: JSON.stringify({ operationContext: "case-42" }) }));
      expect(answer.status).toBe(200);
      expect(answer.json).toEqual({});
      expect(answer.logs.some((line) => line.message.includes("case-42"))).toBe(true);
    });

    it.each([
      ["a recording id that is a path", { recordingId: "../calls" }, "recordingId"],
      ["a body that is not JSON", { body: "{" }, "body"],
      ["an unknown body field", { body: JSON.stringify({ operationContext: "x", force: true }) }, "force"],
    ])(
      "400 InvalidRequest, bare, naming the field, for %s; nothing reaches the service",
      async (_case, init, target) => {
        const { lazy, calls } = answering({ accepted: true });
        const answer = await callHttp(factory(lazy), request(init));
        expect(answer.status).toBe(400);
        expect(answer.json).toMatchObject({ code: "InvalidRequest", target });
        expect(calls).toEqual([]);
      },
    );

    it("404 NotFound, bare, with the service's detail, for a recording the service does not know", async () => {
      const { lazy } = answering(
        new RecordingNotFoundError({ operation, status: 404, serviceError: SERVICE_DETAIL }, "recordingId"),
      );
      const answer = await callHttp(factory(lazy), request());
      expect(answer.status).toBe(404);
      expect(answer.json).toEqual({
        code: "NotFound",
        message: "The recording service knows no such recording (or it has been stopped).",
        target: "recordingId",
        details: [SERVICE_DETAIL],
      });
    });

    it("400 RequestRejected when the service refused it; 502 UpstreamFailure when it failed", async () => {
      const rejected = await callHttp(
        factory(
          answering(new RecordingRequestRejectedError({ operation, status: 400, serviceError: SERVICE_DETAIL })).lazy,
        ),
        request(),
      );
      expect(rejected.status).toBe(400);
      expect(rejected.json).toMatchObject({
        code: "RequestRejected",
        target: "recordingId",
        details: [SERVICE_DETAIL],
      });
      const failed = await callHttp(
        factory(answering(new RecordingServiceError({ operation, status: 500 }, "it answered HTTP 500.")).lazy),
        request(),
      );
      expect(failed.status).toBe(502);
      expect(failed.json).toMatchObject({ code: "UpstreamFailure" });
    });

    it("503 ConfigurationError, bare, with Retry-After 60, while a setting is bad", async () => {
      const answer = await callHttp(factory(notConfigured<RecordingControls>()), request());
      expect(answer.status).toBe(503);
      expect(answer.headers.get("retry-after")).toBe("60");
      expect(answer.json).toMatchObject({ code: "ConfigurationError" });
    });

    it("400 naming acsResource when the app serves two resources and the request names none; the named one is used", async () => {
      const { lazy, calls } = controlsOf(() => Promise.resolve({ accepted: false }), "two");
      const unnamed = await callHttp(factory(lazy), request());
      expect(unnamed.status).toBe(400);
      expect(unnamed.json).toMatchObject({ code: "InvalidRequest", target: "acsResource" });
      const named = await callHttp(factory(lazy), request({ query: { acsResource: "fabrikam-acs" } }));
      expect(named.status).toBe(200);
      expect(calls).toEqual([{ resource: "fabrikam-acs", operation, argument: "rec-1" }]);
    });
  });
}
