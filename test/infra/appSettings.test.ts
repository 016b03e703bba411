import type Parser from "tree-sitter";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/appConfig";
import { SETTING_NAMES, settingFor } from "../../src/config/settingNames";
import { APP_FUNCTIONS } from "../support/appFunctions";
import { parseBicep, plainString, readRepoFile } from "../support/bicepTree";
import { TEST_ACS_CONNECTION_STRING, TEST_ACS_RESOURCE } from "../support/testSettings";

/** Keys of the Function App's appSettings, read from the parse tree of infra/main.bicep. */
function templateAppSettingNames(): string[] {
  const root = parseBicep(readRepoFile("infra/main.bicep")).rootNode;
  const variables = new Map<string, Parser.SyntaxNode>();
  for (const declaration of root.descendantsOfType("variable_declaration")) {
    const [name, value] = declaration.namedChildren;
    if (name?.type === "identifier" && value) variables.set(name.text, value);
  }
  const appSettingsProperty = root
    .descendantsOfType("object_property")
    .find(
      (property) =>
        property.namedChildren[0]?.text === "appSettings" && property.parent?.parent?.type === "object_property",
    );
  if (!appSettingsProperty) throw new Error("siteConfig.appSettings not found in infra/main.bicep");

  const names: string[] = [];
  const seen = new Set<string>();
  const collect = (node: Parser.SyntaxNode): void => {
    if (node.type === "identifier") {
      const value = variables.get(node.text);
      if (value && !seen.has(node.text)) {
        seen.add(node.text);
        collect(value);
      }
      return;
    }
    if (node.type === "object") {
      const properties = node.namedChildren.filter((child) => child.type === "object_property");
      const keys = properties.map((property) => property.namedChildren[0]?.text);
      if (keys.length === 2 && keys.includes("name") && keys.includes("value")) {
        const nameNode = properties.find((property) => property.namedChildren[0]?.text === "name")?.namedChildren[1];
        const name = nameNode && plainString(nameNode);
        if (!name) throw new Error(`an app setting name is not a plain string: ${nameNode?.text ?? "?"}`);
        names.push(name);
        return;
      }
    }
    for (const child of node.namedChildren) collect(child);
  };
  const value = appSettingsProperty.namedChildren[1];
  if (!value) throw new Error("siteConfig.appSettings has no value");
  collect(value);
  return names;
}

/**
 * Settings the app reads that infra/main.bicep deliberately does not set, each with the reason. A setting added to
 * src/config/settingNames.ts must either be set by the template or be listed here: the test below names every one
 * that is neither, so that a new setting is a decision about the deployment, not an accident.
 */
const LEFT_TO_THE_OPERATOR: Readonly<Record<string, string>> = {
  ALLOWED_DOWNLOAD_HOSTS:
    "the built-in ACS download hosts are the default; an operator adds hosts only for a new ACS endpoint",
  DOWNLOAD_BLOCK_SIZE: "tuning; the default suits Flex Consumption",
  DOWNLOAD_CONCURRENCY: "tuning; the default suits Flex Consumption",
  ARCHIVE_MEMORY_BUDGET: "tuning; the default suits a 2,048 MB Flex Consumption instance",
  ARCHIVE_EVENTS_KEY: "the template's archive events topic takes the app's identity (no key)",
  ACS_RESOURCES:
    "the template subscribes one ACS resource (ACS_CONNECTION_STRING + ACS_SECONDARY_CONNECTION_STRING); more resources are added by the operator (infra/README.md, several ACS resources)",
  ALLOWED_CUSTOM_SERVICE_HOSTS:
    "an opt-in for a BYOS or archive-events host outside the known Azure suffixes; empty is the safe default",
  WEBSITE_AUTH_ENABLED: "set by App Service itself when its authentication is on (apiEntraClientId)",
  INTAKE_MAX_EVENTS_PER_DELIVERY: "tuning; defaults suit Event Grid's 1 MB batches",
  INTAKE_MAX_RECORDINGS_PER_DELIVERY: "tuning; defaults suit Event Grid's 1 MB batches",
  INTAKE_MAX_CHUNKS_PER_DELIVERY: "tuning; defaults suit Event Grid's 1 MB batches",
};

describe("app settings: the template and the app agree (src/config/settingNames.ts)", () => {
  const templateNames = templateAppSettingNames();

  it("reads the settings from the template's parse tree", () => {
    expect(templateNames).toContain("ACS_CONNECTION_STRING");
    expect(templateNames).toContain("AzureWebJobsStorage__queueServiceUri");
    expect(new Set(templateNames).size).toBe(templateNames.length);
  });

  it("sets only settings the app (or its SDKs and host) reads", () => {
    const unknown = templateNames.filter((name) => settingFor(name) === undefined);
    expect(
      unknown,
      `set by infra/main.bicep but not listed in src/config/settingNames.ts: ${unknown.join(", ")}`,
    ).toEqual([]);
  });

  it("decides every setting the app reads: set by the template, or listed as left to the operator with a reason", () => {
    const undecided = SETTING_NAMES.filter((setting) => setting.readBy === "app")
      .filter(
        (setting) =>
          !templateNames.some(
            (name) => name === setting.name || (setting.connection === true && name.startsWith(`${setting.name}__`)),
          ),
      )
      .filter((setting) => !(setting.name in LEFT_TO_THE_OPERATOR))
      .map((setting) => setting.name);
    expect(
      undecided,
      `read by the app, but infra/main.bicep does not set them and test/infra/appSettings.test.ts does not say why: ${undecided.join(", ")}`,
    ).toEqual([]);
    const stale = Object.keys(LEFT_TO_THE_OPERATOR).filter(
      (name) => !SETTING_NAMES.some((setting) => setting.name === name) || templateNames.includes(name),
    );
    expect(stale, "listed as left to the operator, but unknown to settingNames.ts or set by the template").toEqual([]);
  });

  it("disables only functions the app registers (AzureWebJobs.<function>.Disabled)", () => {
    const disabled = [...templateNames, ...SETTING_NAMES.map((setting) => setting.name)].flatMap(
      (name) => /^AzureWebJobs\.(.+)\.Disabled$/.exec(name)?.[1] ?? [],
    );
    expect(disabled.length).toBeGreaterThan(0);
    for (const name of disabled) expect(APP_FUNCTIONS as readonly string[], name).toContain(name);
  });

  it("sets every required setting (a connection by its identity-based __ settings)", () => {
    const missing = SETTING_NAMES.filter((setting) => setting.required).filter(
      (setting) =>
        !templateNames.some(
          (name) => name === setting.name || (setting.connection === true && name.startsWith(`${setting.name}__`)),
        ),
    );
    expect(missing.map((setting) => setting.name)).toEqual([]);
  });

  it("gives identity-based storage connections their endpoints, never a bare account name (sovereign clouds)", () => {
    for (const prefix of ["AzureWebJobsStorage", "RECORDINGS_STORAGE"]) {
      expect(templateNames).not.toContain(`${prefix}__accountName`);
      expect(templateNames.some((name) => name === `${prefix}__blobServiceUri`)).toBe(true);
    }
    expect(templateNames).toContain("AzureWebJobsStorage__queueServiceUri");
  });

  it("lists every setting the config parser reads", () => {
    const read = new Set<string>();
    const settings = new Proxy<Record<string, string | undefined>>(
      {
        AzureWebJobsStorage: "UseDevelopmentStorage=true",
        ACS_CONNECTION_STRING: TEST_ACS_CONNECTION_STRING,
        ALLOWED_ACS_RESOURCES: TEST_ACS_RESOURCE,
      },
      {
        get(target, key) {
          if (typeof key === "string") read.add(key);
          return typeof key === "string" ? target[key] : undefined;
        },
      },
    );
    parseConfig(settings);
    const unlisted = [...read].filter((key) => settingFor(key) === undefined);
    expect(read.size).toBeGreaterThan(5);
    expect(
      unlisted,
      `read by parseConfig but not listed in src/config/settingNames.ts: ${unlisted.join(", ")}`,
    ).toEqual([]);
  });
});
