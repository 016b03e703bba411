// Integration tier. Needs: Azurite, dist/.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, inject, it } from "vitest";
import { MAX_DEQUEUE_COUNT } from "../../src/queue/chunkQueue";
import { findFunction, loadCompiledApp } from "../support/compiledApp";
import { TEST_ACS_CONNECTION_STRING, uniqueName } from "../support/testSettings";
import { APP_FUNCTIONS } from "../support/appFunctions";

describe("the compiled app, loaded as the Functions runtime loads it", () => {
  const queue = uniqueName("chunks");
  const functions = loadCompiledApp({
    AzureWebJobsStorage: inject("azuriteConnectionString"),
    ACS_CONNECTION_STRING: TEST_ACS_CONNECTION_STRING,
    CHUNK_QUEUE: queue,
  });

  it("registers the webhook as a function-key HTTP trigger that receives every method", () => {
    const webhook = findFunction(functions, "recordingEventsWebhook");
    const trigger = Object.values(webhook.metadata.bindings).find((binding) => binding.direction === "in");
    expect(trigger).toMatchObject({ type: "httpTrigger", authLevel: "function", route: "recording-events" });
    expect(trigger?.["methods"]).toEqual(expect.arrayContaining(["POST", "OPTIONS", "GET"]));
  });

  it("registers the Event Grid trigger", () => {
    const grid = findFunction(functions, "recordingEventsGrid");
    expect(Object.values(grid.metadata.bindings).map((binding) => binding.type)).toContain("eventGridTrigger");
  });

  it("registers the archiver as a queue trigger on CHUNK_QUEUE in host storage", () => {
    const archiver = findFunction(functions, "archiveChunk");
    const trigger = Object.values(archiver.metadata.bindings).find((binding) => binding.direction === "in");
    expect(trigger).toMatchObject({ type: "queueTrigger", queueName: queue, connection: "AzureWebJobsStorage" });
  });

  it("registers the poison-queue rescue on <CHUNK_QUEUE>-poison", () => {
    const rescue = findFunction(functions, "rescuePoisonedChunk");
    const trigger = Object.values(rescue.metadata.bindings).find((binding) => binding.direction === "in");
    expect(trigger).toMatchObject({
      type: "queueTrigger",
      queueName: `${queue}-poison`,
      connection: "AzureWebJobsStorage",
    });
  });

  it("registers the archive status API as a function-key GET on archive/calls/{callId}", () => {
    const api = findFunction(functions, "archiveStatus");
    const trigger = Object.values(api.metadata.bindings).find((binding) => binding.direction === "in");
    expect(trigger).toMatchObject({
      type: "httpTrigger",
      authLevel: "function",
      route: "archive/calls/{callId}",
      methods: ["GET"],
    });
  });

  it("registers the deadline watch as a timer every 15 minutes, not run on startup", () => {
    const watch = findFunction(functions, "watchDeadlines");
    const trigger = Object.values(watch.metadata.bindings).find((binding) => binding.direction === "in");
    expect(trigger).toMatchObject({ type: "timerTrigger", schedule: "0 */15 * * * *", runOnStartup: false });
  });

  it("registers exactly the documented functions", () => {
    expect(functions.map((fn) => fn.metadata.name).sort()).toEqual([...APP_FUNCTIONS].sort());
  });

  it("host.json decodes queue messages as intake encodes them, and retries as the archiver expects", () => {
    const host = JSON.parse(readFileSync(join(__dirname, "..", "..", "host.json"), "utf8")) as {
      extensions: { queues: Record<string, unknown> };
    };
    expect(host.extensions.queues["messageEncoding"]).toBe("base64");
    expect(host.extensions.queues["maxDequeueCount"]).toBe(MAX_DEQUEUE_COUNT);
  });

  it("registers the health check as a function-key GET on /api/health", () => {
    const health = findFunction(functions, "health");
    const trigger = Object.values(health.metadata.bindings).find((binding) => binding.direction === "in");
    expect(trigger).toMatchObject({ type: "httpTrigger", authLevel: "function", route: "health", methods: ["GET"] });
  });

  it("registers every function, queue triggers on the default queue, when CHUNK_QUEUE is malformed (the setting is reported, not fatal)", () => {
    const names = (fns: typeof functions): string[] => fns.map((fn) => fn.metadata.name).sort();
    const malformed = loadCompiledApp({
      AzureWebJobsStorage: inject("azuriteConnectionString"),
      ACS_CONNECTION_STRING: "endpoint=http://contoso.communication.azure.com/;accesskey=abc",
      CHUNK_QUEUE: "Not_A_Queue",
    });
    expect(names(malformed)).toEqual(names(functions));
    const archiver = Object.values(findFunction(malformed, "archiveChunk").metadata.bindings).find(
      (binding) => binding.direction === "in",
    );
    const rescue = Object.values(findFunction(malformed, "rescuePoisonedChunk").metadata.bindings).find(
      (binding) => binding.direction === "in",
    );
    expect(archiver?.["queueName"]).toBe("recording-chunks");
    expect(rescue?.["queueName"]).toBe("recording-chunks-poison");
  });
});
