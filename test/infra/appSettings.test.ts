import type Parser from "tree-sitter";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/appConfig";
import { SETTING_NAMES, settingFor } from "../../src/config/settingNames";
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
    .find((property) => property.namedChildren[0]?.text === "appSettings" && property.parent?.parent?.type === "object_property");
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

describe("app settings: the template and the app agree (src/config/settingNames.ts)", () => {
  const templateNames = templateAppSettingNames();

  it("reads the settings from the template's parse tree", () => {
    expect(templateNames).toContain("ACS_CONNECTION_STRING");
    expect(templateNames).toContain("AzureWebJobsStorage__queueServiceUri");
    expect(new Set(templateNames).size).toBe(templateNames.length);
  });

  it("sets only settings the app (or its SDKs and host) reads", () => {
    const unknown = templateNames.filter((name) => settingFor(name) === undefined);
    expect(unknown, `set by infra/main.bicep but not listed in src/config/settingNames.ts: ${unknown.join(", ")}`).toEqual([]);
  });

  it("sets every required setting (a connection by its identity-based __ settings)", () => {
    const missing = SETTING_NAMES.filter((setting) => setting.required).filter(
      (setting) => !templateNames.some((name) => name === setting.name || (setting.connection === true && name.startsWith(`${setting.name}__`))),
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
    expect(unlisted, `read by parseConfig but not listed in src/config/settingNames.ts: ${unlisted.join(", ")}`).toEqual([]);
  });
});
