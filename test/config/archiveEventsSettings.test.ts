import { describe, expect, it } from "vitest";
import { archiveEventsSetting } from "../../src/config/archiveEventsSettings";
import { parseConfig } from "../../src/config/appConfig";
import { ConfigError } from "../../src/errors";
import { TEST_ACS_CONNECTION_STRING } from "../support/testSettings";

describe("ARCHIVE_EVENTS_* settings", () => {
  it("are off without an endpoint", () => {
    expect(archiveEventsSetting({})).toBeUndefined();
    expect(parseConfig({ AzureWebJobsStorage: "UseDevelopmentStorage=true", ACS_CONNECTION_STRING: TEST_ACS_CONNECTION_STRING }).archiveEvents).toBeUndefined();
  });

  it("take an https topic endpoint, with a key or (without) Entra ID, in either schema", () => {
    expect(archiveEventsSetting({ ARCHIVE_EVENTS_ENDPOINT: "https://topic.westeurope-1.eventgrid.azure.net/api/events" })).toEqual({
      endpoint: "https://topic.westeurope-1.eventgrid.azure.net/api/events",
      schema: "EventGrid",
      insecureLoopback: false,
    });
    expect(
      archiveEventsSetting({
        ARCHIVE_EVENTS_ENDPOINT: "https://t.eventgrid.azure.net/api/events",
        ARCHIVE_EVENTS_KEY: "k3y",
        ARCHIVE_EVENTS_SCHEMA: "cloudevent",
      }),
    ).toMatchObject({ key: "k3y", schema: "CloudEvent" });
  });

  it("allow http only on loopback", () => {
    expect(archiveEventsSetting({ ARCHIVE_EVENTS_ENDPOINT: "http://127.0.0.1:7777/api/events" })).toMatchObject({ insecureLoopback: true });
    expect(archiveEventsSetting({ ARCHIVE_EVENTS_ENDPOINT: "http://localhost:7777/api/events" })).toMatchObject({ insecureLoopback: true });
    expect(() => archiveEventsSetting({ ARCHIVE_EVENTS_ENDPOINT: "http://topic.eventgrid.azure.net/api/events" })).toThrow(/ARCHIVE_EVENTS_ENDPOINT.*https/);
  });

  it("reject what is not an endpoint or a schema, naming the setting and never echoing a key", () => {
    for (const endpoint of ["topic.eventgrid.azure.net", "ftp://x/api/events", "https://user:pw@t.net/api/events", "https://t.net/api/events?sig=abc"]) {
      expect(() => archiveEventsSetting({ ARCHIVE_EVENTS_ENDPOINT: endpoint }), endpoint).toThrow(ConfigError);
    }
    expect(() => archiveEventsSetting({ ARCHIVE_EVENTS_ENDPOINT: "https://t.net/api/events", ARCHIVE_EVENTS_SCHEMA: "Custom" })).toThrow(
      /ARCHIVE_EVENTS_SCHEMA/,
    );
    try {
      archiveEventsSetting({ ARCHIVE_EVENTS_ENDPOINT: "https://user:supersecret@t.net/" });
    } catch (error) {
      expect((error as Error).message).not.toContain("supersecret");
    }
  });
});
