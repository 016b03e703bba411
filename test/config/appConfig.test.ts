import { describe, expect, it } from "vitest";
import { parseConfig, parseParticipantConfig, triggerQueueName } from "../../src/config/appConfig";
import { downloadUrlProblem } from "../../src/config/downloadHosts";
import type { Settings } from "../../src/config/settingParsers";
import { AppNotConfiguredError, ConfigError } from "../../src/errors";
import { TEST_ACS_RESOURCE } from "../support/testSettings";

/** Secrets planted in the settings; no error message may ever contain them. */
const ACS_KEY = Buffer.from("acs-access-key-that-must-never-be-logged!").toString("base64");
const STORAGE_KEY = Buffer.from("storage-account-key-that-must-never-be-logged").toString("base64");
const ACS = `endpoint=https://contoso-test.communication.azure.com/;accesskey=${ACS_KEY}`;
const STORAGE = `DefaultEndpointsProtocol=https;AccountName=contosoarchive;AccountKey=${STORAGE_KEY};EndpointSuffix=core.windows.net`;

const VALID: Settings = { AzureWebJobsStorage: STORAGE, ACS_CONNECTION_STRING: ACS };

function settings(changes: Record<string, string | undefined>): Settings {
  const merged: Record<string, string | undefined> = { ...VALID, ...changes };
  for (const [key, value] of Object.entries(merged)) if (value === undefined) delete merged[key];
  return merged;
}

function configError(changes: Record<string, string | undefined>): ConfigError {
  try {
    parseConfig(settings(changes));
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw new Error(`expected a ConfigError, got ${String(error)}`, { cause: error });
  }
  throw new Error(`parseConfig accepted ${JSON.stringify(changes)}`);
}

function expectNoSecrets(text: string): void {
  expect(text).not.toContain(ACS_KEY);
  expect(text).not.toContain(STORAGE_KEY);
  // A key's recognisable prefix is as bad as the whole key.
  expect(text).not.toContain(ACS_KEY.slice(0, 16));
  expect(text).not.toContain(STORAGE_KEY.slice(0, 16));
}

describe("parseConfig: defaults", () => {
  const config = parseConfig(VALID);

  it("applies the documented defaults", () => {
    expect(config).toMatchObject({
      chunkQueue: "recording-chunks",
      recordingsContainer: "recordings",
      quarantineContainer: "rejected-events",
      allowedAcsResources: [],
      retentionHours: 24,
      downloadBlockSize: 8 * 1024 * 1024,
      downloadConcurrency: 8,
      deleteAfterArchive: false,
    });
  });

  it("keeps the host storage connection string and uses it for recordings too", () => {
    expect(config.hostStorage).toEqual({
      kind: "connectionString",
      setting: "AzureWebJobsStorage",
      connectionString: STORAGE,
    });
    expect(config.recordingsStorage).toEqual(config.hostStorage);
  });

  it("parses the ACS connection string", () => {
    expect(config.acsResources.groups).toEqual([]);
    expect(config.acsResources.defaultConnection?.primary).toEqual({
      endpoint: "https://contoso-test.communication.azure.com",
      endpointHost: "contoso-test.communication.azure.com",
      accessKey: ACS_KEY,
    });
  });

  it("allows the ACS endpoint host and the built-in ACS storage hosts for downloads", () => {
    expect(
      downloadUrlProblem(config.downloadHosts, "https://contoso-test.communication.azure.com/recording/download/x"),
    ).toBeUndefined();
    expect(
      downloadUrlProblem(config.downloadHosts, "https://storage.asm.skype.com/v1/objects/x/content/video"),
    ).toBeUndefined();
    expect(downloadUrlProblem(config.downloadHosts, "https://example.com/x")).toBeDefined();
  });

  it("treats blank settings as unset", () => {
    const blank = parseConfig(
      settings({ CHUNK_QUEUE: "  ", RETENTION_HOURS: "", ALLOWED_ACS_RESOURCES: " ", DELETE_AFTER_ARCHIVE: "" }),
    );
    expect(blank.chunkQueue).toBe("recording-chunks");
    expect(blank.retentionHours).toBe(24);
    expect(blank.allowedAcsResources).toEqual([]);
    expect(blank.deleteAfterArchive).toBe(false);
  });
});

describe("parseConfig: accepted values", () => {
  it("reads identity-based host storage (__queueServiceUri / __blobServiceUri / __credential / __clientId)", () => {
    const config = parseConfig(
      settings({
        AzureWebJobsStorage: undefined,
        AzureWebJobsStorage__queueServiceUri: "https://contosoarchive.queue.core.windows.net/",
        AzureWebJobsStorage__blobServiceUri: "https://contosoarchive.blob.core.windows.net",
        AzureWebJobsStorage__credential: "managedidentity",
        AzureWebJobsStorage__clientId: "00000000-1111-2222-3333-444444444444",
      }),
    );
    expect(config.hostStorage).toEqual({
      kind: "identity",
      setting: "AzureWebJobsStorage",
      queueServiceUri: "https://contosoarchive.queue.core.windows.net",
      blobServiceUri: "https://contosoarchive.blob.core.windows.net",
      clientId: "00000000-1111-2222-3333-444444444444",
      managedIdentity: true,
    });
  });

  it("refuses AzureWebJobsStorage__accountName alone: no public-cloud host names are guessed (sovereign clouds)", () => {
    expect(
      configError({ AzureWebJobsStorage: undefined, AzureWebJobsStorage__accountName: "contosoarchive" }).setting,
    ).toBe("AzureWebJobsStorage__blobServiceUri");
  });

  it("uses RECORDINGS_STORAGE (connection string or identity) for the archive when set", () => {
    const other = "UseDevelopmentStorage=true";
    expect(parseConfig(settings({ RECORDINGS_STORAGE: other })).recordingsStorage).toEqual({
      kind: "connectionString",
      setting: "RECORDINGS_STORAGE",
      connectionString: other,
    });
    expect(
      parseConfig(settings({ RECORDINGS_STORAGE__blobServiceUri: "https://archive.blob.core.windows.net" }))
        .recordingsStorage,
    ).toMatchObject({
      kind: "identity",
      setting: "RECORDINGS_STORAGE",
      blobServiceUri: "https://archive.blob.core.windows.net",
    });
  });

  it("accepts an http ACS endpoint on loopback (the local simulator) and lets it serve http downloads", () => {
    const config = parseConfig(
      settings({ ACS_CONNECTION_STRING: `AccessKey=${ACS_KEY};Endpoint=http://127.0.0.1:7777/` }),
    );
    expect(config.acsResources.defaultConnection?.primary.endpoint).toBe("http://127.0.0.1:7777");
    expect(config.acsResources.defaultConnection?.primary.endpointHost).toBe("127.0.0.1:7777");
    expect(downloadUrlProblem(config.downloadHosts, "http://127.0.0.1:7777/recording/download/doc")).toBeUndefined();
    expect(
      parseConfig(settings({ ACS_CONNECTION_STRING: `endpoint=http://localhost:7777;accesskey=${ACS_KEY}` }))
        .acsResources.defaultConnection?.primary.endpointHost,
    ).toBe("localhost:7777");
  });

  it("normalizes ALLOWED_ACS_RESOURCES (case, trailing slash) and splits on commas", () => {
    const second = TEST_ACS_RESOURCE.replace("contoso-acs", "contoso-acs-2");
    const config = parseConfig(settings({ ALLOWED_ACS_RESOURCES: `${TEST_ACS_RESOURCE.toUpperCase()}/ , ${second}` }));
    expect(config.allowedAcsResources).toEqual([TEST_ACS_RESOURCE.toLowerCase(), second.toLowerCase()]);
  });

  it.each([
    ["24", 24],
    ["1", 1],
    ["1.5", 1.5],
    ["8760", 8760],
  ])("RETENTION_HOURS=%s gives %d hours", (raw, hours) => {
    expect(parseConfig(settings({ RETENTION_HOURS: raw })).retentionHours).toBe(hours);
  });

  it.each([
    ["8MiB", 8 * 1024 ** 2],
    ["512 KiB", 512 * 1024],
    ["4mb", 4_000_000],
    ["1kb", undefined],
    ["262144", 256 * 1024],
    ["256MiB", 256 * 1024 ** 2],
    ["16 MB", 16_000_000],
    ["1.5MiB", 1.5 * 1024 ** 2],
    ["0.5KiB", undefined],
  ])("DOWNLOAD_BLOCK_SIZE=%s gives %s bytes", (raw, bytes) => {
    if (bytes === undefined) expect(configError({ DOWNLOAD_BLOCK_SIZE: raw }).setting).toBe("DOWNLOAD_BLOCK_SIZE");
    else expect(parseConfig(settings({ DOWNLOAD_BLOCK_SIZE: raw })).downloadBlockSize).toBe(bytes);
  });

  it.each([
    [undefined, 1024 ** 3],
    ["512MiB", 512 * 1024 ** 2],
    ["2GiB", 2 * 1024 ** 3],
    ["16MiB", 16 * 1024 ** 2],
    ["1.5 GB", 1_500_000_000],
  ])("ARCHIVE_MEMORY_BUDGET=%s gives %d bytes", (raw, bytes) => {
    expect(parseConfig(settings(raw === undefined ? {} : { ARCHIVE_MEMORY_BUDGET: raw })).archiveMemoryBudget).toBe(
      bytes,
    );
  });

  it("ARCHIVE_MEMORY_BUDGET must hold two of the largest ranged GETs (DOWNLOAD_BLOCK_SIZE)", () => {
    expect(
      parseConfig(settings({ ARCHIVE_MEMORY_BUDGET: "64MiB", DOWNLOAD_BLOCK_SIZE: "32MiB" })).archiveMemoryBudget,
    ).toBe(64 * 1024 ** 2);
    const error = configError({ ARCHIVE_MEMORY_BUDGET: "64MiB", DOWNLOAD_BLOCK_SIZE: "64MiB" });
    expect(error.setting).toBe("ARCHIVE_MEMORY_BUDGET");
    expect(error.message).toMatch(/at least twice DOWNLOAD_BLOCK_SIZE/);
  });

  it.each([
    ["1", 1],
    ["64", 64],
    [" 16 ", 16],
  ])("DOWNLOAD_CONCURRENCY=%s gives %d", (raw, value) => {
    expect(parseConfig(settings({ DOWNLOAD_CONCURRENCY: raw })).downloadConcurrency).toBe(value);
  });

  it.each([
    ["true", true],
    ["TRUE", true],
    ["1", true],
    ["yes", true],
    ["false", false],
    ["0", false],
    ["No", false],
  ])("DELETE_AFTER_ARCHIVE=%s gives %s", (raw, value) => {
    expect(parseConfig(settings({ DELETE_AFTER_ARCHIVE: raw })).deleteAfterArchive).toBe(value);
  });

  it("accepts a custom CHUNK_QUEUE and extra download hosts", () => {
    const config = parseConfig(
      settings({ CHUNK_QUEUE: "chunks-2", ALLOWED_DOWNLOAD_HOSTS: "127.0.0.1:10000, .contoso.example" }),
    );
    expect(config.chunkQueue).toBe("chunks-2");
    expect(downloadUrlProblem(config.downloadHosts, "http://127.0.0.1:10000/x")).toBeUndefined();
    expect(downloadUrlProblem(config.downloadHosts, "https://files.contoso.example/x")).toBeUndefined();
  });
});

interface BadCase {
  readonly name: string;
  readonly changes: Record<string, string | undefined>;
  readonly setting: string;
}

const BAD: readonly BadCase[] = [
  { name: "AzureWebJobsStorage missing", changes: { AzureWebJobsStorage: undefined }, setting: "AzureWebJobsStorage" },
  { name: "AzureWebJobsStorage blank", changes: { AzureWebJobsStorage: "   " }, setting: "AzureWebJobsStorage" },
  {
    name: "AzureWebJobsStorage not a connection string",
    changes: { AzureWebJobsStorage: "hello world" },
    setting: "AzureWebJobsStorage",
  },
  {
    name: "AzureWebJobsStorage key without account",
    changes: { AzureWebJobsStorage: `AccountKey=${STORAGE_KEY}` },
    setting: "AzureWebJobsStorage",
  },
  {
    name: "AzureWebJobsStorage__queueServiceUri not a URL",
    changes: {
      AzureWebJobsStorage: undefined,
      AzureWebJobsStorage__queueServiceUri: "contosoarchive.queue.core.windows.net",
    },
    setting: "AzureWebJobsStorage__queueServiceUri",
  },
  {
    name: "AzureWebJobsStorage__queueServiceUri not http(s)",
    changes: {
      AzureWebJobsStorage: undefined,
      AzureWebJobsStorage__queueServiceUri: "ftp://contosoarchive.queue.core.windows.net",
    },
    setting: "AzureWebJobsStorage__queueServiceUri",
  },
  {
    name: "AzureWebJobsStorage__blobServiceUri not a URL",
    changes: { AzureWebJobsStorage: undefined, AzureWebJobsStorage__blobServiceUri: "not a url" },
    setting: "AzureWebJobsStorage__blobServiceUri",
  },
  {
    name: "AzureWebJobsStorage__credential not managedidentity",
    changes: {
      AzureWebJobsStorage: undefined,
      AzureWebJobsStorage__queueServiceUri: "https://a.queue.core.windows.net",
      AzureWebJobsStorage__credential: "clientsecret",
    },
    setting: "AzureWebJobsStorage__credential",
  },
  {
    name: "RECORDINGS_STORAGE__blobServiceUri not a URL",
    changes: { RECORDINGS_STORAGE__blobServiceUri: "archive.blob.core.windows.net" },
    setting: "RECORDINGS_STORAGE__blobServiceUri",
  },
  {
    name: "RECORDINGS_STORAGE__blobServiceUri javascript:",
    changes: { RECORDINGS_STORAGE__blobServiceUri: "javascript:alert(1)" },
    setting: "RECORDINGS_STORAGE__blobServiceUri",
  },
  {
    name: "RECORDINGS_STORAGE not a connection string",
    changes: { RECORDINGS_STORAGE: "nonsense" },
    setting: "RECORDINGS_STORAGE",
  },
  {
    name: "CHUNK_QUEUE upper case and underscore",
    changes: { CHUNK_QUEUE: "Recording_Chunks" },
    setting: "CHUNK_QUEUE",
  },
  { name: "CHUNK_QUEUE too short", changes: { CHUNK_QUEUE: "ab" }, setting: "CHUNK_QUEUE" },
  { name: "CHUNK_QUEUE too long", changes: { CHUNK_QUEUE: "a".repeat(64) }, setting: "CHUNK_QUEUE" },
  { name: "CHUNK_QUEUE double hyphen", changes: { CHUNK_QUEUE: "recording--chunks" }, setting: "CHUNK_QUEUE" },
  { name: "CHUNK_QUEUE leading hyphen", changes: { CHUNK_QUEUE: "-chunks" }, setting: "CHUNK_QUEUE" },
  { name: "CHUNK_QUEUE trailing hyphen", changes: { CHUNK_QUEUE: "chunks-" }, setting: "CHUNK_QUEUE" },
  { name: "CHUNK_QUEUE with a dot", changes: { CHUNK_QUEUE: "recording.chunks" }, setting: "CHUNK_QUEUE" },
  {
    name: "RECORDINGS_CONTAINER invalid",
    changes: { RECORDINGS_CONTAINER: "Recordings" },
    setting: "RECORDINGS_CONTAINER",
  },
  {
    name: "ACS_CONNECTION_STRING missing",
    changes: { ACS_CONNECTION_STRING: undefined },
    setting: "ACS_CONNECTION_STRING",
  },
  {
    name: "ACS_CONNECTION_STRING garbage",
    changes: { ACS_CONNECTION_STRING: `garbage ${ACS_KEY}` },
    setting: "ACS_CONNECTION_STRING",
  },
  {
    name: "ACS_CONNECTION_STRING without accesskey",
    changes: { ACS_CONNECTION_STRING: "endpoint=https://contoso-test.communication.azure.com/" },
    setting: "ACS_CONNECTION_STRING",
  },
  {
    name: "ACS_CONNECTION_STRING without endpoint",
    changes: { ACS_CONNECTION_STRING: `accesskey=${ACS_KEY}` },
    setting: "ACS_CONNECTION_STRING",
  },
  {
    name: "ACS_CONNECTION_STRING endpoint not a URL",
    changes: { ACS_CONNECTION_STRING: `endpoint=contoso-test.communication.azure.com;accesskey=${ACS_KEY}` },
    setting: "ACS_CONNECTION_STRING",
  },
  {
    name: "ACS_CONNECTION_STRING http, not loopback",
    changes: { ACS_CONNECTION_STRING: `endpoint=http://contoso-test.communication.azure.com/;accesskey=${ACS_KEY}` },
    setting: "ACS_CONNECTION_STRING",
  },
  {
    name: "ACS_CONNECTION_STRING http on a loopback look-alike",
    changes: { ACS_CONNECTION_STRING: `endpoint=http://localhost.evil.example/;accesskey=${ACS_KEY}` },
    setting: "ACS_CONNECTION_STRING",
  },
  {
    name: "ACS_CONNECTION_STRING ftp endpoint",
    changes: { ACS_CONNECTION_STRING: `endpoint=ftp://contoso-test.communication.azure.com/;accesskey=${ACS_KEY}` },
    setting: "ACS_CONNECTION_STRING",
  },
  {
    name: "ACS_CONNECTION_STRING endpoint with a path",
    changes: {
      ACS_CONNECTION_STRING: `endpoint=https://contoso-test.communication.azure.com/api/;accesskey=${ACS_KEY}`,
    },
    setting: "ACS_CONNECTION_STRING",
  },
  {
    name: "ACS_CONNECTION_STRING endpoint with a query",
    changes: {
      ACS_CONNECTION_STRING: `endpoint=https://contoso-test.communication.azure.com/?x=1;accesskey=${ACS_KEY}`,
    },
    setting: "ACS_CONNECTION_STRING",
  },
  {
    name: "ACS_CONNECTION_STRING endpoint with userinfo",
    changes: {
      ACS_CONNECTION_STRING: `endpoint=https://${ACS_KEY.slice(0, 20)}@contoso-test.communication.azure.com/;accesskey=${ACS_KEY}`,
    },
    setting: "ACS_CONNECTION_STRING",
  },
  {
    name: "ACS_CONNECTION_STRING key not base64",
    changes: {
      ACS_CONNECTION_STRING: `endpoint=https://contoso-test.communication.azure.com/;accesskey=${ACS_KEY.slice(0, 20)}!!${ACS_KEY.slice(20)}`,
    },
    setting: "ACS_CONNECTION_STRING",
  },
  {
    name: "ACS_CONNECTION_STRING key too short",
    changes: { ACS_CONNECTION_STRING: "endpoint=https://contoso-test.communication.azure.com/;accesskey=c2hvcnQ=" },
    setting: "ACS_CONNECTION_STRING",
  },
  {
    name: "ACS_CONNECTION_STRING empty key",
    changes: { ACS_CONNECTION_STRING: "endpoint=https://contoso-test.communication.azure.com/;accesskey=" },
    setting: "ACS_CONNECTION_STRING",
  },
  {
    name: "ALLOWED_ACS_RESOURCES a bare name",
    changes: { ALLOWED_ACS_RESOURCES: "contoso-acs" },
    setting: "ALLOWED_ACS_RESOURCES",
  },
  {
    name: "ALLOWED_ACS_RESOURCES another resource type",
    changes: {
      ALLOWED_ACS_RESOURCES: "/subscriptions/1/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/contoso",
    },
    setting: "ALLOWED_ACS_RESOURCES",
  },
  {
    name: "ALLOWED_ACS_RESOURCES one good, one bad",
    changes: { ALLOWED_ACS_RESOURCES: `${TEST_ACS_RESOURCE},/subscriptions/1` },
    setting: "ALLOWED_ACS_RESOURCES",
  },
  {
    name: "ALLOWED_ACS_RESOURCES with a sub-path",
    changes: { ALLOWED_ACS_RESOURCES: `${TEST_ACS_RESOURCE}/extra` },
    setting: "ALLOWED_ACS_RESOURCES",
  },
  {
    name: "ALLOWED_DOWNLOAD_HOSTS with a path",
    changes: { ALLOWED_DOWNLOAD_HOSTS: "files.contoso.example/recordings" },
    setting: "ALLOWED_DOWNLOAD_HOSTS",
  },
  {
    name: "ALLOWED_DOWNLOAD_HOSTS with userinfo",
    changes: { ALLOWED_DOWNLOAD_HOSTS: "user@files.contoso.example" },
    setting: "ALLOWED_DOWNLOAD_HOSTS",
  },
  {
    name: "ALLOWED_DOWNLOAD_HOSTS with user:password",
    changes: { ALLOWED_DOWNLOAD_HOSTS: "user:pw@127.0.0.1:10000" },
    setting: "ALLOWED_DOWNLOAD_HOSTS",
  },
  {
    name: "ALLOWED_DOWNLOAD_HOSTS with a scheme",
    changes: { ALLOWED_DOWNLOAD_HOSTS: "https://files.contoso.example" },
    setting: "ALLOWED_DOWNLOAD_HOSTS",
  },
  {
    name: "ALLOWED_DOWNLOAD_HOSTS with a query",
    changes: { ALLOWED_DOWNLOAD_HOSTS: "files.contoso.example?x=1" },
    setting: "ALLOWED_DOWNLOAD_HOSTS",
  },
  {
    name: "ALLOWED_DOWNLOAD_HOSTS a one-label suffix",
    changes: { ALLOWED_DOWNLOAD_HOSTS: ".com" },
    setting: "ALLOWED_DOWNLOAD_HOSTS",
  },
  {
    name: "ALLOWED_DOWNLOAD_HOSTS a bad port",
    changes: { ALLOWED_DOWNLOAD_HOSTS: "127.0.0.1:99999" },
    setting: "ALLOWED_DOWNLOAD_HOSTS",
  },
  { name: "RETENTION_HOURS 0", changes: { RETENTION_HOURS: "0" }, setting: "RETENTION_HOURS" },
  { name: "RETENTION_HOURS abc", changes: { RETENTION_HOURS: "abc" }, setting: "RETENTION_HOURS" },
  { name: "RETENTION_HOURS negative", changes: { RETENTION_HOURS: "-24" }, setting: "RETENTION_HOURS" },
  { name: "RETENTION_HOURS exponent", changes: { RETENTION_HOURS: "1e3" }, setting: "RETENTION_HOURS" },
  { name: "RETENTION_HOURS over a year", changes: { RETENTION_HOURS: "8761" }, setting: "RETENTION_HOURS" },
  { name: "RETENTION_HOURS with a unit", changes: { RETENTION_HOURS: "24h" }, setting: "RETENTION_HOURS" },
  {
    name: "DOWNLOAD_BLOCK_SIZE below 256 KiB",
    changes: { DOWNLOAD_BLOCK_SIZE: "1000" },
    setting: "DOWNLOAD_BLOCK_SIZE",
  },
  {
    name: "DOWNLOAD_BLOCK_SIZE above 256 MiB",
    changes: { DOWNLOAD_BLOCK_SIZE: "257MiB" },
    setting: "DOWNLOAD_BLOCK_SIZE",
  },
  {
    name: "DOWNLOAD_BLOCK_SIZE unknown unit",
    changes: { DOWNLOAD_BLOCK_SIZE: "8 TB" },
    setting: "DOWNLOAD_BLOCK_SIZE",
  },
  {
    name: "DOWNLOAD_BLOCK_SIZE not a whole number of bytes",
    changes: { DOWNLOAD_BLOCK_SIZE: "1.0000001MiB" },
    setting: "DOWNLOAD_BLOCK_SIZE",
  },
  { name: "DOWNLOAD_BLOCK_SIZE negative", changes: { DOWNLOAD_BLOCK_SIZE: "-8MiB" }, setting: "DOWNLOAD_BLOCK_SIZE" },
  {
    name: "DOWNLOAD_BLOCK_SIZE words",
    changes: { DOWNLOAD_BLOCK_SIZE: "eight megabytes" },
    setting: "DOWNLOAD_BLOCK_SIZE",
  },
  { name: "DOWNLOAD_CONCURRENCY 0", changes: { DOWNLOAD_CONCURRENCY: "0" }, setting: "DOWNLOAD_CONCURRENCY" },
  { name: "DOWNLOAD_CONCURRENCY 65", changes: { DOWNLOAD_CONCURRENCY: "65" }, setting: "DOWNLOAD_CONCURRENCY" },
  { name: "DOWNLOAD_CONCURRENCY fraction", changes: { DOWNLOAD_CONCURRENCY: "2.5" }, setting: "DOWNLOAD_CONCURRENCY" },
  { name: "DOWNLOAD_CONCURRENCY negative", changes: { DOWNLOAD_CONCURRENCY: "-1" }, setting: "DOWNLOAD_CONCURRENCY" },
  { name: "DOWNLOAD_CONCURRENCY words", changes: { DOWNLOAD_CONCURRENCY: "eight" }, setting: "DOWNLOAD_CONCURRENCY" },
  {
    name: "ARCHIVE_MEMORY_BUDGET below 16 MiB",
    changes: { ARCHIVE_MEMORY_BUDGET: "8MiB" },
    setting: "ARCHIVE_MEMORY_BUDGET",
  },
  {
    name: "ARCHIVE_MEMORY_BUDGET above 64 GiB",
    changes: { ARCHIVE_MEMORY_BUDGET: "65GiB" },
    setting: "ARCHIVE_MEMORY_BUDGET",
  },
  {
    name: "ARCHIVE_MEMORY_BUDGET words",
    changes: { ARCHIVE_MEMORY_BUDGET: "a gigabyte" },
    setting: "ARCHIVE_MEMORY_BUDGET",
  },
  {
    name: "ARCHIVE_MEMORY_BUDGET negative",
    changes: { ARCHIVE_MEMORY_BUDGET: "-1GiB" },
    setting: "ARCHIVE_MEMORY_BUDGET",
  },
  { name: "DELETE_AFTER_ARCHIVE maybe", changes: { DELETE_AFTER_ARCHIVE: "maybe" }, setting: "DELETE_AFTER_ARCHIVE" },
  { name: "DELETE_AFTER_ARCHIVE 2", changes: { DELETE_AFTER_ARCHIVE: "2" }, setting: "DELETE_AFTER_ARCHIVE" },
];

describe("parseConfig: a bad value fails fast, naming the setting", () => {
  it.each(BAD.map((c) => [c.name, c] as const))("%s", (_name, bad) => {
    const error = configError(bad.changes);
    expect(error.setting).toBe(bad.setting);
    expect(error.code).toBe("InvalidSetting");
    expect(error.name).toBe("ConfigError");
    expect(error.message).toContain(bad.setting);
    expectNoSecrets(error.message);
    expectNoSecrets(String(error.stack));
  });
});

describe("parseConfig: the result is read-only", () => {
  const config = parseConfig(
    settings({ ALLOWED_ACS_RESOURCES: TEST_ACS_RESOURCE, ALLOWED_DOWNLOAD_HOSTS: "127.0.0.1:10000" }),
  );

  it("freezes the config and everything in it", () => {
    const pending: unknown[] = [config];
    let checked = 0;
    while (pending.length > 0) {
      const value = pending.pop();
      if (typeof value !== "object" || value === null) continue;
      expect(Object.isFrozen(value)).toBe(true);
      checked += 1;
      pending.push(...(Object.values(value) as unknown[]));
    }
    // config, hostStorage, acs, allowedAcsResources, downloadHosts, its suffixes and hosts and each host entry.
    expect(checked).toBeGreaterThanOrEqual(9);
  });

  it("throws on any attempt to change it", () => {
    const mutable = config as unknown as {
      chunkQueue: string;
      allowedAcsResources: string[];
      downloadHosts: { suffixes: string[] };
    };
    expect(() => {
      mutable.chunkQueue = "other";
    }).toThrow(TypeError);
    expect(() => mutable.allowedAcsResources.push("/subscriptions/evil")).toThrow(TypeError);
    expect(() => mutable.downloadHosts.suffixes.push(".evil.example")).toThrow(TypeError);
    expect(config.chunkQueue).toBe("recording-chunks");
    expect(downloadUrlProblem(config.downloadHosts, "https://www.evil.example/x")).toBeDefined();
  });

  it("does not freeze or change the settings object it was given", () => {
    const input: Record<string, string | undefined> = { ...VALID };
    parseConfig(input);
    expect(Object.isFrozen(input)).toBe(false);
    expect(input).toEqual(VALID);
  });
});

describe("identity-based storage URIs must be https (tokens are never sent over http)", () => {
  // @azure/core-rest-pipeline's bearerTokenAuthenticationPolicy refuses non-https URLs, so an http service URI
  // with an identity-based connection would only fail at the first enqueue (503 for 24 hours of Event Grid
  // retries) instead of at startup. The setting's own error message already says "absolute https URL".
  it.each([
    [
      "AzureWebJobsStorage__queueServiceUri",
      {
        AzureWebJobsStorage: undefined,
        AzureWebJobsStorage__queueServiceUri: "http://contosoarchive.queue.core.windows.net",
      },
    ],
    [
      "AzureWebJobsStorage__blobServiceUri",
      {
        AzureWebJobsStorage: undefined,
        AzureWebJobsStorage__queueServiceUri: "https://contosoarchive.queue.core.windows.net",
        AzureWebJobsStorage__blobServiceUri: "http://contosoarchive.blob.core.windows.net",
      },
    ],
    [
      "RECORDINGS_STORAGE__blobServiceUri",
      { RECORDINGS_STORAGE__blobServiceUri: "http://archive.blob.core.windows.net" },
    ],
  ])("%s over http is refused at startup", (setting, changes) => {
    expect(configError(changes).setting).toBe(setting);
  });
});

describe("a setting the platform left as an unresolved Key Vault reference", () => {
  const REFERENCE = "@Microsoft.KeyVault(SecretUri=https://kv-contoso.vault.azure.net/secrets/acs-connection/)";

  it.each([
    "ACS_CONNECTION_STRING",
    "AzureWebJobsStorage",
    "RECORDINGS_STORAGE",
    "ALLOWED_ACS_RESOURCES",
    "RETENTION_HOURS",
    "CHUNK_QUEUE",
  ])("%s: refused as such, naming the setting and not the reference", (setting) => {
    const error = configError({ [setting]: `  ${REFERENCE}` });
    expect(error.setting).toBe(setting);
    expect(error.problemKind).toBe("unresolvedKeyVaultReference");
    expect(error.message).toMatch(/Key Vault reference/);
    expect(error.message).not.toContain("kv-contoso");
  });

  it("is recognised in any letter case (the platform's own check is case-insensitive)", () => {
    expect(configError({ ACS_CONNECTION_STRING: "@microsoft.keyvault(VaultName=kv;SecretName=acs)" }).problemKind).toBe(
      "unresolvedKeyVaultReference",
    );
  });
});

describe("AppNotConfiguredError: what a refused request is told", () => {
  it.each([
    [{ ACS_CONNECTION_STRING: undefined }, "missing", /ACS_CONNECTION_STRING is not set/],
    [
      { ACS_CONNECTION_STRING: "@Microsoft.KeyVault(SecretUri=https://kv/secrets/s)" },
      "unresolvedKeyVaultReference",
      /ACS_CONNECTION_STRING holds a Key Vault reference/,
    ],
    [{ RETENTION_HOURS: "forever" }, "invalid", /RETENTION_HOURS is not valid/],
    [{ AzureWebJobsStorage: undefined }, "missing", /AzureWebJobsStorage is not set/],
  ] as const)("%j -> %s", (changes, kind, words) => {
    const refusal = new AppNotConfiguredError(configError(changes));
    expect(refusal.code).toBe("ConfigurationError");
    expect(refusal.problemKind).toBe(kind);
    expect(refusal.message).toMatch(words);
    expect(refusal.message).not.toMatch(/forever|kv\/secrets/);
  });
});

describe("identity-based connections name every service they are used for (checked at start, not at first use)", () => {
  it("host storage without a queue service URI", () => {
    const error = configError({
      AzureWebJobsStorage: undefined,
      AzureWebJobsStorage__blobServiceUri: "https://contosoarchive.blob.core.windows.net",
    });
    expect(error.setting).toBe("AzureWebJobsStorage__queueServiceUri");
  });

  it("archive storage without a blob service URI", () => {
    const error = configError({
      AzureWebJobsStorage: undefined,
      AzureWebJobsStorage__queueServiceUri: "https://contosoarchive.queue.core.windows.net",
    });
    expect(error.setting).toBe("AzureWebJobsStorage__blobServiceUri");
  });
});

describe("triggerQueueName: what the queue triggers register on", () => {
  it("is CHUNK_QUEUE when valid, the default otherwise (registration never fails)", () => {
    expect(triggerQueueName({ CHUNK_QUEUE: "my-chunks" })).toBe("my-chunks");
    expect(triggerQueueName({})).toBe("recording-chunks");
    expect(triggerQueueName({ CHUNK_QUEUE: "Bad_Name" })).toBe("recording-chunks");
    expect(triggerQueueName({ CHUNK_QUEUE: "a".repeat(57) })).toBe("recording-chunks");
    expect(triggerQueueName({ CHUNK_QUEUE: "@Microsoft.KeyVault(SecretUri=https://kv/secrets/q)" })).toBe(
      "recording-chunks",
    );
  });
});

describe("participant index and bring-your-own-storage settings: PARTICIPANT_INDEX_KEY, BYOS_STORAGE_ACCOUNTS, BYOS_COPY", () => {
  /** 32 random bytes, base64 (`openssl rand -base64 32`). */
  const INDEX_KEY = "OKPuxKwL/tgnx53Qj6wJvNAtM+NUPG6CIS/0WmmNda8=";

  it("leaves the participant index disabled (no key) and BYOS off by default", () => {
    const config = parseConfig(VALID);
    expect(config.participantIndexKey).toBeUndefined();
    expect(config.byosContainers).toEqual([]);
    expect(config.byosStorageAccounts).toEqual([]);
    expect(config.byosCopy).toBe(false);
  });

  it("reads the index key, BYOS destination containers (normalized; their accounts derived) and BYOS_COPY", () => {
    const config = parseConfig(
      settings({
        PARTICIPANT_INDEX_KEY: INDEX_KEY,
        BYOS_STORAGE_ACCOUNTS:
          "https://ContosoRecordings.blob.core.windows.net/acs-recordings/, fabrikamrec.blob.core.chinacloudapi.cn/calls; http://127.0.0.1:10000/devstoreaccount1/acs-byos https://contosorecordings.blob.core.windows.net/second",
        BYOS_COPY: "true",
      }),
    );
    expect(config.participantIndexKey).toBe(INDEX_KEY);
    expect(config.byosContainers).toEqual([
      {
        url: "https://contosorecordings.blob.core.windows.net/acs-recordings",
        account: "https://contosorecordings.blob.core.windows.net",
        container: "acs-recordings",
      },
      {
        url: "https://fabrikamrec.blob.core.chinacloudapi.cn/calls",
        account: "https://fabrikamrec.blob.core.chinacloudapi.cn",
        container: "calls",
      },
      {
        url: "http://127.0.0.1:10000/devstoreaccount1/acs-byos",
        account: "http://127.0.0.1:10000/devstoreaccount1",
        container: "acs-byos",
      },
      {
        url: "https://contosorecordings.blob.core.windows.net/second",
        account: "https://contosorecordings.blob.core.windows.net",
        container: "second",
      },
    ]);
    expect(config.byosStorageAccounts).toEqual([
      "https://contosorecordings.blob.core.windows.net",
      "https://fabrikamrec.blob.core.chinacloudapi.cn",
      "http://127.0.0.1:10000/devstoreaccount1",
    ]);
    expect(config.byosCopy).toBe(true);
  });

  it.each([
    ["PARTICIPANT_INDEX_KEY", { PARTICIPANT_INDEX_KEY: "too-short-key" }],
    ["BYOS_STORAGE_ACCOUNTS", { BYOS_STORAGE_ACCOUNTS: "http://contosorecordings.blob.core.windows.net/acs" }],
    [
      "BYOS_STORAGE_ACCOUNTS",
      { BYOS_STORAGE_ACCOUNTS: "https://contosorecordings.blob.core.windows.net/acs?sv=2024&sig=abc" },
    ],
    ["BYOS_COPY", { BYOS_COPY: "sometimes" }],
  ])("refuses a bad %s, naming it without echoing the key", (setting, changes) => {
    const error = configError(changes);
    expect(error.setting).toBe(setting);
    expect(error.message).not.toContain("too-short-key");
    expect(error.message).not.toContain("sig=");
    expectNoSecrets(error.message);
  });
});

describe("configuration cannot send tokens or personal data to a typo", () => {
  it.each([
    ["a whole account (the setting's former meaning)", "https://contosorecordings.blob.core.windows.net"],
    ["a whole account, bare host", "contosorecordings.blob.core.windows.net/"],
    ["a whole Azurite account", "http://127.0.0.1:10000/devstoreaccount1"],
    ["any https host", "https://attacker.example.net/recordings"],
    ["a look-alike suffix", "https://contosorecordings.blob.core.windows.net.attacker.example/recordings"],
    ["a typo in the suffix", "https://contosorecordings.blob.core.windows.nt/recordings"],
    ["the retired Azure Germany cloud", "https://contosorecordings.blob.core.cloudapi.de/recordings"],
    ["an account name that cannot exist", "https://contoso-recordings.blob.core.windows.net/recordings"],
    ["a non-default port", "https://contosorecordings.blob.core.windows.net:8443/recordings"],
    ["the $logs container", "https://contosorecordings.blob.core.windows.net/$logs"],
    ["a blob path instead of a container", "https://contosorecordings.blob.core.windows.net/recordings/20231117"],
    ["user information", "https://me:pw@contosorecordings.blob.core.windows.net/recordings"],
    ["http off loopback", "http://contosorecordings.blob.core.windows.net/recordings"],
  ])("BYOS_STORAGE_ACCOUNTS refuses %s, naming the setting and the expected shape, never the value", (_name, entry) => {
    const error = configError({ BYOS_STORAGE_ACCOUNTS: entry });
    expect(error.setting).toBe("BYOS_STORAGE_ACCOUNTS");
    expect(error.message).toContain("https://<account>.blob.core.windows.net/<container>");
    for (const part of ["attacker", "contoso", "devstoreaccount1", "$logs", "20231117", "pw@"])
      expect(error.message).not.toContain(part);
  });

  it("BYOS_STORAGE_ACCOUNTS accepts the sovereign clouds' blob endpoints, private-link and DNS-zone names, and another host only when ALLOWED_CUSTOM_SERVICE_HOSTS lists it", () => {
    const entries = [
      "https://acct1.blob.core.usgovcloudapi.net/cn1",
      "https://acct2.blob.core.chinacloudapi.cn/cn2",
      "https://acct3.privatelink.blob.core.windows.net/cn3",
      "https://acct4.z17.blob.storage.azure.net/cn4",
      "https://acct5.blob.core.sovcloud-api.fr/cn5",
    ];
    expect(
      parseConfig(settings({ BYOS_STORAGE_ACCOUNTS: entries.join(",") })).byosContainers.map(
        (container) => container.url,
      ),
    ).toEqual(entries);
    const custom = "https://recordings.stack.contoso.example/acs";
    expect(configError({ BYOS_STORAGE_ACCOUNTS: custom }).message).toMatch(/ALLOWED_CUSTOM_SERVICE_HOSTS/);
    expect(
      parseConfig(
        settings({ BYOS_STORAGE_ACCOUNTS: custom, ALLOWED_CUSTOM_SERVICE_HOSTS: "recordings.stack.contoso.example" }),
      ).byosContainers,
    ).toEqual([{ url: custom, account: "https://recordings.stack.contoso.example", container: "acs" }]);
    expect(configError({ ALLOWED_CUSTOM_SERVICE_HOSTS: "https://recordings.stack.contoso.example/x" }).setting).toBe(
      "ALLOWED_CUSTOM_SERVICE_HOSTS",
    );
  });

  const KEY = (bytes: Buffer): string => bytes.toString("base64");
  const INDEX_KEY_64 = "c09runDki7QvJgVZ4z3IHsX49jawl5t7pQKKxHgw48qJTd75h1nQFH1gbZI8+I/Pn3dYtJbDVuscQTr7Ll3Ucw==";
  it.each([
    ["32 times 'a' (the review's example)", "a".repeat(32)],
    ["44 times 'a' (decodes to 33 bytes of one pattern)", "a".repeat(44)],
    ["one repeated byte", KEY(Buffer.alloc(32, 7))],
    ["a short repeating pattern", KEY(Buffer.from("0123456789abcdef".repeat(2)))],
    ["a passphrase that is not base64", "participant-index-key-that-must-never-be-logged-0123"],
    ["base64 that does not round-trip", "OKPuxKwL/tgnx53Qj6wJvNAtM+NUPG6CIS/0WmmNda9="],
    ["base64 of 24 random bytes", "c09runDki7QvJgVZ4z3IHsX49jawl5t7"],
  ])("PARTICIPANT_INDEX_KEY refuses %s, saying how to generate one and never echoing the key", (_name, key) => {
    const error = configError({ PARTICIPANT_INDEX_KEY: key });
    expect(error.setting).toBe("PARTICIPANT_INDEX_KEY");
    expect(error.message).toContain("openssl rand -base64 32");
    expect(error.message).not.toContain(key);
    expect(error.message).not.toContain(key.slice(0, 12));
  });

  it("PARTICIPANT_INDEX_KEY takes base64 of 32 random bytes or more (what openssl rand -base64 and the azd hooks write)", () => {
    for (const key of [
      "iU3e+YdZ0BR9YG2SPPiPz5F3WLSWw1brHEE6+y5d1HM=",
      KEY(Buffer.from("/b1SRYTwhsMNHBmlLmdQtyY+wof91z3ib6V8Y/4wx4Q=", "base64").reverse()),
      INDEX_KEY_64,
    ])
      expect(parseConfig(settings({ PARTICIPANT_INDEX_KEY: key })).participantIndexKey, key).toBe(key);
  });

  it.each([
    [
      "RECORDINGS_CONTAINER",
      { RECORDINGS_CONTAINER: `endpoint=https://contoso.communication.azure.com/;accesskey=${ACS_KEY}` },
    ],
    ["CHUNK_QUEUE", { CHUNK_QUEUE: `DefaultEndpointsProtocol=https;AccountName=x;AccountKey=${STORAGE_KEY}` }],
    ["RETENTION_HOURS", { RETENTION_HOURS: `AccountKey=${STORAGE_KEY}` }],
    ["DOWNLOAD_BLOCK_SIZE", { DOWNLOAD_BLOCK_SIZE: `AccountKey=${STORAGE_KEY}` }],
    ["DOWNLOAD_CONCURRENCY", { DOWNLOAD_CONCURRENCY: `AccountKey=${STORAGE_KEY}` }],
    ["DELETE_AFTER_ARCHIVE", { DELETE_AFTER_ARCHIVE: `AccountKey=${STORAGE_KEY}` }],
    ["ALLOWED_ACS_RESOURCES", { ALLOWED_ACS_RESOURCES: `accesskey=${ACS_KEY}` }],
    ["ALLOWED_DOWNLOAD_HOSTS", { ALLOWED_DOWNLOAD_HOSTS: `https://x/${ACS_KEY}` }],
    ["ARCHIVE_EVENTS_SCHEMA", { ARCHIVE_EVENTS_SCHEMA: `key=${ACS_KEY}` }],
    [
      "AzureWebJobsStorage__credential",
      {
        AzureWebJobsStorage: undefined,
        AzureWebJobsStorage__queueServiceUri: "https://a.queue.core.windows.net",
        AzureWebJobsStorage__blobServiceUri: "https://a.blob.core.windows.net",
        AzureWebJobsStorage__credential: `key=${STORAGE_KEY}`,
      },
    ],
  ])("a secret pasted into %s is named, never echoed", (setting, changes) => {
    const error = configError(changes);
    expect(error.setting).toBe(setting);
    expectNoSecrets(error.message);
    expect(error.message).not.toMatch(/accesskey=|AccountKey=|key=/i);
  });
});

describe("the data-subject command line's configuration", () => {
  it("reads the windows the deployment states for previous versions and soft delete (what erasure receipts state), and refuses a bad one by name", () => {
    expect(parseParticipantConfig(settings({}))).not.toHaveProperty("versionLifecycleDays");
    const stated = parseParticipantConfig(
      settings({ ARCHIVE_VERSION_DELETE_AFTER_DAYS: "7", ARCHIVE_SOFT_DELETE_DAYS: "14" }),
    );
    expect([stated.versionLifecycleDays, stated.softDeleteDays]).toEqual([7, 14]);
    expect(() => parseParticipantConfig(settings({ ARCHIVE_SOFT_DELETE_DAYS: "two weeks" }))).toThrow(
      /ARCHIVE_SOFT_DELETE_DAYS/,
    );
  });
});
