// Integration tier. Needs: Azurite, dist/.
import { format } from "node:util";
import { InvocationContext, HttpRequest } from "@azure/functions";
import { BlobServiceClient } from "@azure/storage-blob";
import { QueueServiceClient } from "@azure/storage-queue";
import { afterAll, beforeAll, describe, expect, inject, it, vi } from "vitest";
import type { ChunkMessage } from "../../src/queue/chunkMessage";
import { findFunction, loadCompiledApp, type RegisteredFunction } from "../support/compiledApp";
import { errorBody, invokeHttp, webhookRequest } from "../support/functionInvoke";
import { eventGridEvent, subscriptionValidationEvent } from "../support/recordingEvents";
import { APP_FUNCTIONS } from "../support/appFunctions";
import { capturingContext, TEST_ACS_RESOURCE, uniqueName } from "../support/testSettings";

const connectionString = inject("azuriteConnectionString");
const KEY_VAULT_REFERENCE =
  "@Microsoft.KeyVault(SecretUri=https://kv-archiver-test.vault.azure.net/secrets/acs-connection-string/)";
const CONTROL_CALLS = [
  {
    name: "startRecording",
    method: "POST",
    path: "recordings",
    body: JSON.stringify({ serverCallId: "aHR0cHM6Ly9leGFtcGxlLmNvbS9jYWxs" }),
  },
  { name: "getRecordingState", method: "GET", path: "recordings/rec-1" },
  { name: "pauseRecording", method: "POST", path: "recordings/rec-1/pause" },
  { name: "resumeRecording", method: "POST", path: "recordings/rec-1/resume" },
  { name: "stopRecording", method: "DELETE", path: "recordings/rec-1" },
] as const;

/** A chunk message as intake queues it (the archiver must not complete it, nor re-queue or record it). */
function chunkMessage(): ChunkMessage {
  const now = Date.now();
  return {
    version: 1,
    chunkKey: `${TEST_ACS_RESOURCE.toLowerCase()}|doc-degraded|0`,
    resource: TEST_ACS_RESOURCE.toLowerCase(),
    documentId: "doc-degraded",
    index: 0,
    eventId: "event-degraded",
    eventTime: new Date(now).toISOString(),
    deadline: new Date(now + 24 * 3_600_000).toISOString(),
    chunkCount: 1,
  };
}

function queueContext(functionName: string, dequeueCount: number): InvocationContext {
  return new InvocationContext({ functionName, triggerMetadata: { dequeueCount }, logHandler: () => undefined });
}

const cases = [
  {
    label: "an unresolved Key Vault reference",
    value: KEY_VAULT_REFERENCE,
    problem: "unresolvedKeyVaultReference",
    words: /Key Vault reference/,
  },
  { label: "no setting at all", value: undefined, problem: "missing", words: /is not set/ },
] as const;

describe.each(cases)("the compiled app started with $label in ACS_CONNECTION_STRING", ({ value, problem, words }) => {
  const queueName = uniqueName("degraded");
  const containerName = uniqueName("degraded-rec");
  /** Every console line (the start log goes there) and every invocation log line, answer and thrown message. */
  const consoleLines: { level: string; text: string }[] = [];
  const seen: string[] = [];
  let functions: RegisteredFunction[];

  beforeAll(() => {
    for (const level of ["log", "info", "warn", "error", "debug"] as const) {
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
        consoleLines.push({ level, text: format(...args) });
      });
    }
    delete process.env["ACS_CONNECTION_STRING"];
    functions = loadCompiledApp({
      AzureWebJobsStorage: connectionString,
      CHUNK_QUEUE: queueName,
      RECORDINGS_CONTAINER: containerName,
      ALLOWED_ACS_RESOURCES: TEST_ACS_RESOURCE,
      ...(value === undefined ? {} : { ACS_CONNECTION_STRING: value }),
    });
  });

  afterAll(() => {
    vi.restoreAllMocks();
  });

  async function webhook(
    request: Parameters<typeof webhookRequest>[0],
  ): Promise<Awaited<ReturnType<typeof invokeHttp>>> {
    const { context, logs } = capturingContext("recordingEventsWebhook");
    const answer = await invokeHttp(
      findFunction(functions, "recordingEventsWebhook"),
      webhookRequest(request),
      context,
    );
    seen.push(answer.text, ...logs.map((log) => log.message));
    return answer;
  }

  /** Runs `run` and returns what it threw, synchronously or by rejecting. */
  async function rejection(run: () => unknown): Promise<Error> {
    try {
      await run();
    } catch (error) {
      seen.push(String(error));
      return error as Error;
    }
    throw new Error("expected the function to throw");
  }

  it("registers every function, on the configured queue", () => {
    expect(functions.map((fn) => fn.metadata.name).sort()).toEqual([...APP_FUNCTIONS].sort());
    const trigger = Object.values(findFunction(functions, "archiveChunk").metadata.bindings).find(
      (binding) => binding.direction === "in",
    );
    expect(trigger).toMatchObject({ type: "queueTrigger", queueName, connection: "AzureWebJobsStorage" });
  });

  it("logged one error at start, naming the setting and not its value", () => {
    const errors = consoleLines.filter((line) => line.level === "error");
    expect(errors).toHaveLength(1);
    expect(errors[0]?.text).toContain("ACS_CONNECTION_STRING");
    expect(errors[0]?.text).toMatch(value === undefined ? /required but not set/ : /Key Vault reference/);
  });

  it("answers the Event Grid validation handshake", async () => {
    const answer = await webhook({
      body: JSON.stringify([subscriptionValidationEvent("degraded-code")]),
      headers: { "content-type": "application/json", "aeg-event-type": "SubscriptionValidation" },
    });
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({ validationResponse: "degraded-code" });
  });

  it("answers the CloudEvents OPTIONS handshake", async () => {
    const answer = await webhook({ method: "OPTIONS", headers: { "WebHook-Request-Origin": "eventgrid.azure.net" } });
    expect(answer.status).toBe(200);
    expect(answer.headers.get("webhook-allowed-origin")).toBe("eventgrid.azure.net");
  });

  it("refuses a webhook delivery with 503, Retry-After and ConfigurationError naming the setting (Event Grid retries)", async () => {
    const answer = await webhook({
      body: JSON.stringify([eventGridEvent()]),
      headers: { "content-type": "application/json", "aeg-event-type": "Notification" },
    });
    expect(answer.status).toBe(503);
    expect(Number(answer.headers.get("retry-after"))).toBeGreaterThan(0);
    const error = errorBody(answer);
    expect(error.code).toBe("ConfigurationError");
    expect(error.message).toContain("ACS_CONNECTION_STRING");
    expect(error.message).toMatch(words);
  });

  it("refuses an unusable webhook body with 503 too: it cannot be quarantined yet, so Event Grid keeps it", async () => {
    const answer = await webhook({
      body: "not json",
      headers: { "content-type": "application/json", "aeg-event-type": "Notification" },
    });
    expect(answer.status).toBe(503);
    expect(errorBody(answer).code).toBe("ConfigurationError");
  });

  it("throws for an Event Grid trigger delivery (Event Grid retries it)", async () => {
    const error = await rejection(() =>
      findFunction(functions, "recordingEventsGrid").handler(
        eventGridEvent(),
        capturingContext("recordingEventsGrid").context,
      ),
    );
    expect(error).toMatchObject({ code: "ConfigurationError", setting: "ACS_CONNECTION_STRING", problemKind: problem });
  });

  it("throws for a chunk message on every delivery, the last included: it is neither completed, re-queued nor recorded", async () => {
    for (const dequeueCount of [1, 5]) {
      const error = await rejection(() =>
        findFunction(functions, "archiveChunk").handler(chunkMessage(), queueContext("archiveChunk", dequeueCount)),
      );
      expect(error).toMatchObject({ code: "ConfigurationError", setting: "ACS_CONNECTION_STRING" });
    }
    const rescued = await rejection(() =>
      findFunction(functions, "rescuePoisonedChunk").handler(chunkMessage(), queueContext("rescuePoisonedChunk", 1)),
    );
    expect(rescued).toMatchObject({ code: "ConfigurationError", setting: "ACS_CONNECTION_STRING" });
    const queue = QueueServiceClient.fromConnectionString(connectionString).getQueueClient(queueName);
    expect(await queue.exists()).toBe(false);
    const container = BlobServiceClient.fromConnectionString(connectionString).getContainerClient(containerName);
    expect(await container.exists()).toBe(false);
  });

  it("throws for a deadline-watch timer run (the next run tries again), touching no storage", async () => {
    const error = await rejection(() =>
      findFunction(functions, "watchDeadlines").handler(
        { isPastDue: false },
        capturingContext("watchDeadlines").context,
      ),
    );
    expect(error).toMatchObject({ code: "ConfigurationError", setting: "ACS_CONNECTION_STRING", problemKind: problem });
    const container = BlobServiceClient.fromConnectionString(connectionString).getContainerClient(containerName);
    expect(await container.exists()).toBe(false);
  });

  it.each(CONTROL_CALLS)(
    "answers $name with 503 {code: ConfigurationError, message} naming the setting",
    async ({ name, method, path, ...rest }) => {
      const request = new HttpRequest({
        method,
        url: `http://localhost:7071/api/${path}`,
        headers: { "content-type": "application/json" },
        params: path.startsWith("recordings/") ? { recordingId: "rec-1" } : {},
        ...("body" in rest ? { body: { string: rest.body } } : {}),
      });
      const { context } = capturingContext(name);
      const answer = await invokeHttp(findFunction(functions, name), request, context);
      seen.push(answer.text);
      expect(answer.status).toBe(503);
      expect(answer.json).toEqual({
        code: "ConfigurationError",
        message: expect.stringContaining("ACS_CONNECTION_STRING") as unknown,
      });
    },
  );

  it("reports the setting on GET /api/health with 503, and that storage answers", async () => {
    const { context } = capturingContext("health");
    const answer = await invokeHttp(
      findFunction(functions, "health"),
      new HttpRequest({ method: "GET", url: "http://localhost:7071/api/health" }),
      context,
    );
    seen.push(answer.text);
    expect(answer.status).toBe(503);
    expect(answer.json).toMatchObject({
      healthy: false,
      configuration: { valid: false, invalidSetting: "ACS_CONNECTION_STRING", problem },
      dependencies: {
        hostStorage: { ok: true },
        archiveContainer: { ok: true },
        acsEndpoint: { ok: false, detail: expect.stringContaining("ACS_CONNECTION_STRING") as unknown },
      },
    });
  });

  it("never lets the setting's value into a log line, an answer or an error, and logs no further errors", () => {
    const everything = [...seen, ...consoleLines.map((line) => line.text)].join("\n");
    expect(everything).not.toContain("kv-archiver-test");
    expect(everything).not.toContain("SecretUri");
    expect(consoleLines.filter((line) => line.level === "error")).toHaveLength(1);
  });
});
