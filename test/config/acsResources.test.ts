import { describe, expect, it } from "vitest";
import { AcsKeyChoice, PRIMARY_RETRY_AFTER_MS } from "../../src/acs/acsKeyChoice";
import { acsConnectionFor, acsResourceWarnings, unservedResourceProblem } from "../../src/config/acsResources";
import { parseConfig } from "../../src/config/appConfig";
import { downloadUrlProblem } from "../../src/config/downloadHosts";
import type { Settings } from "../../src/config/settingParsers";
import { settingFor } from "../../src/config/settingNames";
import { ConfigError } from "../../src/errors";

/** Keys planted in the settings: no error message may contain them, nor their start. */
const KEYS = {
  contoso: Buffer.from("contoso-primary-key-never-to-be-logged!!").toString("base64"),
  contosoSecondary: Buffer.from("contoso-secondary-key-never-to-be-logged").toString("base64"),
  fabrikam: Buffer.from("fabrikam-primary-key-never-to-be-logged!").toString("base64"),
  legacy: Buffer.from("legacy-primary-key-never-to-be-logged!!!").toString("base64"),
};
const id = (name: string): string =>
  `/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/calls-rg/providers/Microsoft.Communication/communicationServices/${name}`;
const CONTOSO = id("contoso-acs");
const FABRIKAM = id("fabrikam-acs");
const OTHER = id("other-acs");
const connection = (name: string, key: string): string =>
  `endpoint=https://${name}.communication.azure.com/;accesskey=${key}`;

const STORAGE = "UseDevelopmentStorage=true";
const TWO_RESOURCES: Settings = {
  AzureWebJobsStorage: STORAGE,
  ACS_RESOURCES__0__RESOURCE_ID: CONTOSO,
  ACS_RESOURCES__0__CONNECTION_STRING: connection("contoso-acs", KEYS.contoso),
  ACS_RESOURCES__0__SECONDARY_CONNECTION_STRING: connection("contoso-acs", KEYS.contosoSecondary),
  ACS_RESOURCES__1__RESOURCE_ID: FABRIKAM.toUpperCase(),
  ACS_RESOURCES__1__CONNECTION_STRING: connection("fabrikam-acs", KEYS.fabrikam),
};

function configError(settings: Settings): ConfigError {
  try {
    parseConfig(settings);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("parseConfig accepted the settings");
}

function expectNoKeys(text: string): void {
  for (const key of Object.values(KEYS)) {
    expect(text).not.toContain(key);
    expect(text).not.toContain(key.slice(0, 12));
  }
}

describe("ACS_RESOURCES__<n>__* settings: several ACS resources", () => {
  const config = parseConfig(TWO_RESOURCES);
  const { acsResources } = config;

  it("reads one group per resource, with its optional secondary key, by index", () => {
    expect(acsResources.groups.map((group) => [group.groupIndex, group.resourceId, group.label])).toEqual([
      [0, CONTOSO.toLowerCase(), "contoso-acs"],
      [1, FABRIKAM.toLowerCase(), "fabrikam-acs"],
    ]);
    const [contoso, fabrikam] = acsResources.groups;
    expect(contoso?.primary.accessKey).toBe(KEYS.contoso);
    expect(contoso?.secondary?.accessKey).toBe(KEYS.contosoSecondary);
    expect(contoso?.keySettings).toEqual({
      primary: "ACS_RESOURCES__0__CONNECTION_STRING",
      secondary: "ACS_RESOURCES__0__SECONDARY_CONNECTION_STRING",
    });
    expect(fabrikam?.secondary).toBeUndefined();
    expect(acsResources.defaultConnection).toBeUndefined();
    expect(acsResources.nextGroupIndex).toBe(2);
  });

  it("chooses the connection by the chunk's resource (any case), and none for another resource", () => {
    expect(acsConnectionFor(acsResources, FABRIKAM)?.label).toBe("fabrikam-acs");
    expect(acsConnectionFor(acsResources, `${CONTOSO.toUpperCase()}/`)?.label).toBe("contoso-acs");
    expect(acsConnectionFor(acsResources, OTHER)).toBeUndefined();
    expect(acsConnectionFor(acsResources, "")).toBeUndefined();
  });

  it("lets every configured endpoint receive signed requests", () => {
    expect(
      downloadUrlProblem(config.downloadHosts, "https://contoso-acs.communication.azure.com/recording/download/x"),
    ).toBeUndefined();
    expect(
      downloadUrlProblem(config.downloadHosts, "https://fabrikam-acs.communication.azure.com/recording/download/x"),
    ).toBeUndefined();
    expect(
      downloadUrlProblem(config.downloadHosts, "https://other-acs.communication.azure.com/recording/download/x"),
    ).toBeDefined();
  });

  it("implies the allowlist: only configured resources are accepted, an unknown one names the settings to add", () => {
    expect(config.allowedAcsResources).toEqual([]);
    expect(unservedResourceProblem(acsResources, FABRIKAM, true)).toBeUndefined();
    const problem = unservedResourceProblem(acsResources, OTHER, true) ?? "";
    expect(problem).toContain("ACS_RESOURCES__2__RESOURCE_ID");
    expect(problem).toContain("ACS_RESOURCES__2__CONNECTION_STRING");
    expect(problem).toContain(OTHER.toLowerCase());
    // Bring-your-own-storage chunks need no key, but an unlisted resource is still not accepted.
    expect(unservedResourceProblem(acsResources, OTHER, false)).toBeDefined();
    expect(unservedResourceProblem(acsResources, "", true)).toMatch(/names no ACS resource/);
  });

  it("adds the configured resources to ALLOWED_ACS_RESOURCES when it is set", () => {
    const withAllowlist = parseConfig({ ...TWO_RESOURCES, ALLOWED_ACS_RESOURCES: OTHER });
    expect([...withAllowlist.allowedAcsResources].sort()).toEqual(
      [CONTOSO, FABRIKAM, OTHER].map((value) => value.toLowerCase()).sort(),
    );
    // OTHER is allowed but has no key: a BYOS chunk of it is fine, a chunk needing a signed request is not.
    expect(unservedResourceProblem(withAllowlist.acsResources, OTHER, false)).toBeUndefined();
    expect(unservedResourceProblem(withAllowlist.acsResources, OTHER, true)).toMatch(
      /which ALLOWED_ACS_RESOURCES lists but no access key serves: set ACS_CONNECTION_STRING, or add ACS_RESOURCES__2__RESOURCE_ID/,
    );
    expect(acsResourceWarnings(withAllowlist.acsResources).join("\n")).toMatch(
      /ALLOWED_ACS_RESOURCES lists other-acs, but no access key serves it/,
    );
  });

  it("recognises the group settings as the app's (so the template may set them)", () => {
    for (const name of [
      "ACS_RESOURCES__0__RESOURCE_ID",
      "ACS_RESOURCES__99__CONNECTION_STRING",
      "ACS_RESOURCES__3__SECONDARY_CONNECTION_STRING",
    ]) {
      expect(settingFor(name)?.name).toBe("ACS_RESOURCES");
    }
    expect(settingFor("ACS_RESOURCES__0__ACCESS_KEY")).toBeUndefined();
    expect(settingFor("ACS_RESOURCES__100__RESOURCE_ID")).toBeUndefined();
    expect(settingFor("ACS_RESOURCES")).toBeUndefined();
    expect(settingFor("ACS_SECONDARY_CONNECTION_STRING")?.readBy).toBe("app");
  });
});

describe("ACS_CONNECTION_STRING alongside the groups (backwards compatible)", () => {
  const LEGACY = connection("legacy-acs", KEYS.legacy);

  it("alone, signs for every resource as before, whatever the event names", () => {
    const { acsResources } = parseConfig({ AzureWebJobsStorage: STORAGE, ACS_CONNECTION_STRING: LEGACY });
    for (const resource of [CONTOSO, OTHER, ""])
      expect(acsConnectionFor(acsResources, resource)?.label).toBe("ACS_CONNECTION_STRING");
    expect(unservedResourceProblem(acsResources, OTHER, true)).toBeUndefined();
    expect(acsResourceWarnings(acsResources)).toEqual([]);
  });

  it("warns when ALLOWED_ACS_RESOURCES lists several resources for its one key", () => {
    const { acsResources } = parseConfig({
      AzureWebJobsStorage: STORAGE,
      ACS_CONNECTION_STRING: LEGACY,
      ALLOWED_ACS_RESOURCES: `${CONTOSO},${FABRIKAM}`,
    });
    expect(acsConnectionFor(acsResources, FABRIKAM)?.label).toBe("ACS_CONNECTION_STRING");
    expect(acsResourceWarnings(acsResources).join("\n")).toMatch(
      /ALLOWED_ACS_RESOURCES lists 2 resources, but ACS_CONNECTION_STRING holds the key of one/,
    );
  });

  it("with groups, signs only for the ALLOWED_ACS_RESOURCES entries without a group of their own", () => {
    const { acsResources } = parseConfig({
      ...TWO_RESOURCES,
      ACS_CONNECTION_STRING: LEGACY,
      ALLOWED_ACS_RESOURCES: `${OTHER},${CONTOSO}`,
    });
    expect(acsConnectionFor(acsResources, OTHER)?.label).toBe("ACS_CONNECTION_STRING");
    expect(acsConnectionFor(acsResources, CONTOSO)?.label).toBe("contoso-acs");
    expect(acsConnectionFor(acsResources, id("unlisted-acs"))).toBeUndefined();
    expect(acsResourceWarnings(acsResources)).toEqual([]);
  });

  it("warns when, with groups, it serves no resource at all", () => {
    const { acsResources } = parseConfig({ ...TWO_RESOURCES, ACS_CONNECTION_STRING: LEGACY });
    expect(acsResourceWarnings(acsResources).join("\n")).toMatch(
      /ACS_CONNECTION_STRING is set but signs for no resource/,
    );
  });

  it("takes ACS_SECONDARY_CONNECTION_STRING as its secondary key", () => {
    const secondary = connection("legacy-acs", KEYS.contosoSecondary);
    const { acsResources } = parseConfig({
      AzureWebJobsStorage: STORAGE,
      ACS_CONNECTION_STRING: LEGACY,
      ACS_SECONDARY_CONNECTION_STRING: secondary,
    });
    expect(acsResources.defaultConnection?.secondary?.accessKey).toBe(KEYS.contosoSecondary);
  });
});

describe("ACS resource settings: errors name the setting, never a key", () => {
  const cases: [string, Settings, string, RegExp][] = [
    [
      "no connection at all",
      { AzureWebJobsStorage: STORAGE },
      "ACS_CONNECTION_STRING",
      /ACS_RESOURCES__0__RESOURCE_ID/,
    ],
    [
      "a misspelt field",
      { ...TWO_RESOURCES, ACS_RESOURCES__1__CONNECTIONSTRING: "x" },
      "ACS_RESOURCES__1__CONNECTIONSTRING",
      /not an ACS resource setting/,
    ],
    [
      "a lower-case name",
      { ...TWO_RESOURCES, acs_resources__2__resource_id: OTHER },
      "acs_resources__2__resource_id",
      /upper case/,
    ],
    [
      "an index with a leading zero",
      { ...TWO_RESOURCES, ACS_RESOURCES__01__RESOURCE_ID: OTHER },
      "ACS_RESOURCES__01__RESOURCE_ID",
      /n from 0 to 99/,
    ],
    [
      "a group without its id",
      { ...TWO_RESOURCES, ACS_RESOURCES__2__CONNECTION_STRING: connection("other-acs", KEYS.legacy) },
      "ACS_RESOURCES__2__RESOURCE_ID",
      /required/,
    ],
    [
      "a group without its connection",
      { ...TWO_RESOURCES, ACS_RESOURCES__2__RESOURCE_ID: OTHER },
      "ACS_RESOURCES__2__CONNECTION_STRING",
      /required/,
    ],
    [
      "a secondary without a primary",
      {
        ...TWO_RESOURCES,
        ACS_RESOURCES__1__CONNECTION_STRING: "",
        ACS_RESOURCES__1__SECONDARY_CONNECTION_STRING: connection("fabrikam-acs", KEYS.fabrikam),
      },
      "ACS_RESOURCES__1__CONNECTION_STRING",
      /required/,
    ],
    [
      "a resource id that is not one",
      { ...TWO_RESOURCES, ACS_RESOURCES__1__RESOURCE_ID: "fabrikam-acs" },
      "ACS_RESOURCES__1__RESOURCE_ID",
      /not an ACS resource id/,
    ],
    [
      "the same resource twice",
      { ...TWO_RESOURCES, ACS_RESOURCES__1__RESOURCE_ID: CONTOSO },
      "ACS_RESOURCES__1__RESOURCE_ID",
      /same resource as ACS_RESOURCES__0__RESOURCE_ID/,
    ],
    [
      "the same endpoint twice",
      { ...TWO_RESOURCES, ACS_RESOURCES__1__CONNECTION_STRING: connection("contoso-acs", KEYS.fabrikam) },
      "ACS_RESOURCES__1__CONNECTION_STRING",
      /same endpoint/,
    ],
    [
      "a secondary of another resource",
      {
        ...TWO_RESOURCES,
        ACS_RESOURCES__0__SECONDARY_CONNECTION_STRING: connection("fabrikam-acs", KEYS.contosoSecondary),
      },
      "ACS_RESOURCES__0__SECONDARY_CONNECTION_STRING",
      /same endpoint/,
    ],
    [
      "a malformed connection string",
      { ...TWO_RESOURCES, ACS_RESOURCES__1__CONNECTION_STRING: `accesskey=${KEYS.fabrikam}` },
      "ACS_RESOURCES__1__CONNECTION_STRING",
      /must look like/,
    ],
    [
      "a key that is not base64",
      {
        ...TWO_RESOURCES,
        ACS_RESOURCES__0__SECONDARY_CONNECTION_STRING: `endpoint=https://contoso-acs.communication.azure.com/;accesskey=${KEYS.contoso}!!`,
      },
      "ACS_RESOURCES__0__SECONDARY_CONNECTION_STRING",
      /base64/,
    ],
    [
      "an unresolved Key Vault reference",
      {
        ...TWO_RESOURCES,
        ACS_RESOURCES__1__CONNECTION_STRING:
          "@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/fabrikam)",
      },
      "ACS_RESOURCES__1__CONNECTION_STRING",
      /Key Vault reference/,
    ],
    [
      "a legacy secondary without the legacy primary",
      { ...TWO_RESOURCES, ACS_SECONDARY_CONNECTION_STRING: connection("legacy-acs", KEYS.legacy) },
      "ACS_CONNECTION_STRING",
      /required with ACS_SECONDARY_CONNECTION_STRING/,
    ],
  ];

  it.each(cases)("%s", (_label, settings, setting, problem) => {
    const error = configError(settings);
    expect(error.setting).toBe(setting);
    expect(error.message).toMatch(problem);
    expectNoKeys(error.message);
  });

  it("warns (without a key) when a group's endpoint does not look like its resource's", () => {
    const { acsResources } = parseConfig({
      ...TWO_RESOURCES,
      ACS_RESOURCES__1__CONNECTION_STRING: connection("someone-else", KEYS.fabrikam),
    });
    const warnings = acsResourceWarnings(acsResources).join("\n");
    expect(warnings).toMatch(
      /ACS_RESOURCES__1__CONNECTION_STRING has an endpoint whose host does not start with "fabrikam-acs\."/,
    );
    expectNoKeys(warnings);
  });
});

describe("AcsKeyChoice: which key signs next", () => {
  it("keeps to the primary without a secondary", () => {
    const choice = new AcsKeyChoice(false);
    expect(choice.first()).toBe("primary");
    expect(choice.other("primary")).toBeUndefined();
  });

  it("switches to the secondary once it works, and tries the primary again after a while, one request at a time", () => {
    let now = 1_000_000;
    const choice = new AcsKeyChoice(true, () => now);
    expect(choice.first()).toBe("primary");
    expect(choice.other("primary")).toBe("secondary");
    expect(choice.accepted("secondary", "primary")).toBe("switched");
    // Concurrent requests that learnt the same: no second change.
    expect(choice.accepted("secondary", "primary")).toBe("unchanged");
    expect(choice.first()).toBe("secondary");
    now += PRIMARY_RETRY_AFTER_MS - 1;
    expect(choice.first()).toBe("secondary");
    now += 1;
    expect(choice.first()).toBe("primary");
    // Only one request tries the primary; the others keep to the secondary meanwhile.
    expect(choice.first()).toBe("secondary");
    // The primary is still refused: the secondary it is, and the next try comes a while later.
    expect(choice.accepted("secondary", "primary")).toBe("unchanged");
    now += PRIMARY_RETRY_AFTER_MS;
    expect(choice.first()).toBe("primary");
    expect(choice.accepted("primary")).toBe("primaryAgain");
    expect(choice.first()).toBe("primary");
  });
});
