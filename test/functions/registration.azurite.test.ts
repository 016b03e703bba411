import { describe, expect, inject, it } from "vitest";
import { findFunction, loadCompiledApp } from "../support/compiledApp";
import { TEST_ACS_CONNECTION_STRING, uniqueName } from "../support/testSettings";

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

  it("fails to load, naming the setting, when a setting is bad", () => {
    expect(() =>
      loadCompiledApp({
        AzureWebJobsStorage: inject("azuriteConnectionString"),
        ACS_CONNECTION_STRING: "endpoint=http://contoso.communication.azure.com/;accesskey=abc",
      }),
    ).toThrow(/ACS_CONNECTION_STRING/);
  });
});
