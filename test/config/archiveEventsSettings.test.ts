import { describe, expect, it } from "vitest";
import { archiveEventsSetting } from "../../src/config/archiveEventsSettings";
import { parseConfig } from "../../src/config/appConfig";
import { ConfigError } from "../../src/errors";
import { TEST_ACS_CONNECTION_STRING } from "../support/testSettings";

describe("ARCHIVE_EVENTS_* settings", () => {
  it("are off without an endpoint", () => {
    expect(archiveEventsSetting({})).toBeUndefined();
    expect(
      parseConfig({
        AzureWebJobsStorage: "UseDevelopmentStorage=true",
        ACS_CONNECTION_STRING: TEST_ACS_CONNECTION_STRING,
      }).archiveEvents,
    ).toBeUndefined();
  });

  it("take an https topic endpoint, with a key or (without) Entra ID, in either schema", () => {
    expect(
      archiveEventsSetting({ ARCHIVE_EVENTS_ENDPOINT: "https://topic.westeurope-1.eventgrid.azure.net/api/events" }),
    ).toEqual({
      endpoint: "https://topic.westeurope-1.eventgrid.azure.net/api/events",
      schema: "EventGrid",
      insecureLoopback: false,
    });
    expect(
      archiveEventsSetting({
        ARCHIVE_EVENTS_ENDPOINT: "https://t0p.usgovvirginia-1.eventgrid.azure.us/api/events",
        ARCHIVE_EVENTS_KEY: "k3y",
        ARCHIVE_EVENTS_SCHEMA: "cloudevent",
      }),
    ).toMatchObject({ key: "k3y", schema: "CloudEvent" });
  });

  it("allow http only on loopback", () => {
    expect(archiveEventsSetting({ ARCHIVE_EVENTS_ENDPOINT: "http://127.0.0.1:7777/api/events" })).toMatchObject({
      insecureLoopback: true,
    });
    expect(archiveEventsSetting({ ARCHIVE_EVENTS_ENDPOINT: "http://localhost:7777/api/events" })).toMatchObject({
      insecureLoopback: true,
    });
    expect(() =>
      archiveEventsSetting({ ARCHIVE_EVENTS_ENDPOINT: "http://topic.eventgrid.azure.net/api/events" }),
    ).toThrow(/ARCHIVE_EVENTS_ENDPOINT.*https/);
  });

  it("reject what is not an endpoint or a schema, naming the setting and never echoing a key", () => {
    for (const endpoint of [
      "topic.eventgrid.azure.net",
      "ftp://x/api/events",
      "https://user:pw@t.net/api/events",
      "https://t.net/api/events?sig=abc",
    ]) {
      expect(() => archiveEventsSetting({ ARCHIVE_EVENTS_ENDPOINT: endpoint }), endpoint).toThrow(ConfigError);
    }
    expect(() =>
      archiveEventsSetting({
        ARCHIVE_EVENTS_ENDPOINT: "https://t.westeurope-1.eventgrid.azure.net/api/events",
        ARCHIVE_EVENTS_SCHEMA: "Custom",
      }),
    ).toThrow(/ARCHIVE_EVENTS_SCHEMA/);
    try {
      archiveEventsSetting({ ARCHIVE_EVENTS_ENDPOINT: "https://user:supersecret@t.net/" });
    } catch (error) {
      expect((error as Error).message).not.toContain("supersecret");
    }
  });

  it.each([
    ["a look-alike host", "https://topic.westeurope-1.eventgrid.azure.net.attacker.example/api/events"],
    ["any https host", "https://attacker.example.net/api/events"],
    ["a typo in the suffix", "https://topic.westeurope-1.eventgrd.azure.net/api/events"],
    ["a topic without its region", "https://topic.eventgrid.azure.net/api/events"],
    ["a non-default port", "https://topic.westeurope-1.eventgrid.azure.net:8443/api/events"],
    ["a fragment", "https://topic.westeurope-1.eventgrid.azure.net/api/events#x"],
  ])(
    "refuse %s (the topic key, the app's token and every event would go there), naming the setting and the shape, not the value",
    (_name, endpoint) => {
      const error = errorOf(() =>
        archiveEventsSetting({ ARCHIVE_EVENTS_ENDPOINT: endpoint, ARCHIVE_EVENTS_KEY: "topic-key-never-shown" }),
      );
      expect(error.setting).toBe("ARCHIVE_EVENTS_ENDPOINT");
      expect(error.message).toContain("eventgrid.azure.net/api/events");
      expect(error.message).not.toContain(new URL(endpoint).hostname);
      expect(error.message).not.toContain("topic-key-never-shown");
    },
  );

  it("accept Event Grid in the public and sovereign clouds, another host only when ALLOWED_CUSTOM_SERVICE_HOSTS lists it, loopback always", () => {
    for (const endpoint of [
      "https://archive-events.westeurope-1.eventgrid.azure.net/api/events",
      "https://archive-events.chinanorth3-1.eventgrid.azure.cn/api/events",
      "https://archive-events.usgovvirginia-1.eventgrid.azure.us/api/events",
      "https://ARCHIVE-EVENTS.WestEurope-1.EventGrid.Azure.Net/api/events",
    ])
      expect(archiveEventsSetting({ ARCHIVE_EVENTS_ENDPOINT: endpoint }), endpoint).toMatchObject({
        insecureLoopback: false,
      });
    expect(() =>
      archiveEventsSetting({ ARCHIVE_EVENTS_ENDPOINT: "https://events.contoso.example/api/events" }),
    ).toThrow(/ALLOWED_CUSTOM_SERVICE_HOSTS/);
    expect(
      archiveEventsSetting({
        ARCHIVE_EVENTS_ENDPOINT: "https://events.contoso.example/api/events",
        ALLOWED_CUSTOM_SERVICE_HOSTS: "events.contoso.example",
      }),
    ).toMatchObject({ endpoint: "https://events.contoso.example/api/events" });
    // The opt-in is exact: another host of the same domain, or another port, is still refused.
    expect(() =>
      archiveEventsSetting({
        ARCHIVE_EVENTS_ENDPOINT: "https://other.contoso.example/api/events",
        ALLOWED_CUSTOM_SERVICE_HOSTS: "events.contoso.example",
      }),
    ).toThrow(ConfigError);
    expect(() =>
      archiveEventsSetting({
        ARCHIVE_EVENTS_ENDPOINT: "https://events.contoso.example:8443/api/events",
        ALLOWED_CUSTOM_SERVICE_HOSTS: "events.contoso.example",
      }),
    ).toThrow(ConfigError);
    expect(archiveEventsSetting({ ARCHIVE_EVENTS_ENDPOINT: "http://[::1]:7777/api/events" })).toMatchObject({
      insecureLoopback: true,
    });
  });
});

function errorOf(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("accepted");
}
