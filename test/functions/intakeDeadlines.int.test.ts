// Integration tier. Needs: dist/, loopback servers.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findFunction, loadCompiledApp, type RegisteredFunction } from "../support/compiledApp";
import { serveHttpFunction, type FunctionHttpServer } from "../support/functionHttpServer";
import { invokeEventGrid } from "../support/functionInvoke";
import { eventGridEvent, gaData, subscriptionValidationEvent } from "../support/recordingEvents";
import { startSilentStorage, type SilentStorage } from "../support/silentStorage";
import { repeated, stalling, streamingPost } from "../support/streamingPost";
import { capturingContext, TEST_ACS_CONNECTION_STRING, TEST_ACS_RESOURCE, uniqueName } from "../support/testSettings";

// Both entry points of the compiled app against peers that never finish: Storage that accepts connections
// and never answers, and a client whose body stops arriving. Each must answer (503 with Retry-After / a
// thrown StorageUnavailableError / 408) well inside Event Grid's 30 s, so that Event Grid retries instead of
// timing out. Bounds are generous; the assertions are on the outcome. The tests run concurrently: they wait.
const WELL_INSIDE_EVENT_GRID_WINDOW_MS = 28_000;
const JSON_HEADERS = { "content-type": "application/json", "aeg-event-type": "Notification" };

let silent: SilentStorage;
let app: RegisteredFunction[];
let webhook: FunctionHttpServer;

beforeAll(async () => {
  silent = await startSilentStorage();
  app = loadCompiledApp({
    AzureWebJobsStorage: silent.connectionString,
    ACS_CONNECTION_STRING: TEST_ACS_CONNECTION_STRING,
    CHUNK_QUEUE: uniqueName("hung"),
    ALLOWED_ACS_RESOURCES: TEST_ACS_RESOURCE,
  });
  webhook = await serveHttpFunction(findFunction(app, "recordingEventsWebhook"));
});

afterAll(async () => {
  await webhook?.stop();
  await silent?.stop();
});

const postToWebhook = (
  body: unknown,
  headers: Record<string, string> = JSON_HEADERS,
): ReturnType<typeof streamingPost> => {
  const text = JSON.stringify(body);
  return streamingPost(`${webhook.url}/api/recording-events`, headers, repeated(Buffer.from(text), text.length));
};

describe.concurrent("intake entry points against peers that never finish", () => {
  it("the webhook answers 503 with Retry-After for valid events (the queue hangs)", async () => {
    const started = Date.now();
    const answer = await postToWebhook([eventGridEvent()]);
    expect(answer.status).toBe(503);
    expect(Number(answer.headers["retry-after"])).toBeGreaterThan(0);
    expect((JSON.parse(answer.text) as { error: { code: string } }).error.code).toBe("StorageUnavailable");
    expect(Date.now() - started).toBeLessThan(WELL_INSIDE_EVENT_GRID_WINDOW_MS);
    expect(silent.connections).toBeGreaterThan(0);
  });

  it("the webhook answers 503 for an invalid event (the quarantine hangs): nothing is lost, Event Grid retries", async () => {
    const started = Date.now();
    const answer = await postToWebhook([eventGridEvent({ data: gaData([]) })]);
    expect(answer.status).toBe(503);
    expect(Date.now() - started).toBeLessThan(WELL_INSIDE_EVENT_GRID_WINDOW_MS);
  });

  it("the webhook still answers the validation handshake (it needs no Storage)", async () => {
    const answer = await postToWebhook([subscriptionValidationEvent("abc-123")], {
      "content-type": "application/json",
      "aeg-event-type": "SubscriptionValidation",
    });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.text)).toEqual({ validationResponse: "abc-123" });
  });

  it("the Event Grid trigger throws StorageUnavailableError (so Event Grid retries the event)", async () => {
    const grid = findFunction(app, "recordingEventsGrid");
    const { context, logs } = capturingContext("recordingEventsGrid");
    const started = Date.now();
    const error = await invokeEventGrid(grid, eventGridEvent(), context).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ name: "StorageUnavailableError", code: "StorageUnavailable" });
    expect(Date.now() - started).toBeLessThan(WELL_INSIDE_EVENT_GRID_WINDOW_MS);
    expect(logs.filter((log) => log.level === "information")).toEqual([]);
  });

  it("the webhook answers 408 to a body that stops arriving (the intake deadline covers reading it), and keeps nothing", async () => {
    let release = (): void => undefined;
    const stop = new Promise<void>((resolve) => (release = resolve));
    const started = Date.now();
    try {
      const answer = await streamingPost(
        `${webhook.url}/api/recording-events`,
        JSON_HEADERS,
        stalling(Buffer.from(`[${JSON.stringify(eventGridEvent())},`), stop),
      );
      expect(answer.status).toBe(408);
      expect((JSON.parse(answer.text) as { error: { code: string } }).error.code).toBe("BodyTimeout");
      expect(Date.now() - started).toBeLessThan(WELL_INSIDE_EVENT_GRID_WINDOW_MS);
    } finally {
      release();
    }
    expect(webhook.logs.some((log) => log.level === "warning" && log.message.includes("BodyTimeout"))).toBe(true);
  });
});
