import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { USAGE } from "../../src/cli/usage";
import { parseConfig } from "../../src/config/appConfig";
import { SETTING_NAMES, settingDisplayName, settingFor, type SettingName } from "../../src/config/settingNames";
import { TEST_ACS_CONNECTION_STRING, TEST_ACS_RESOURCE } from "../support/testSettings";

/**
 * `SETTING_NAMES` is the one place a setting is declared; everything else that names settings is checked against it
 * here (the template in test/infra/appSettings.test.ts). A failure names the place that disagrees and what to write.
 */
const ROOT = resolve(__dirname, "..", "..");
const read = (path: string): string => readFileSync(join(ROOT, path), "utf8");

/** The README's row for a setting: name, default, the one line. */
function readmeRow(setting: SettingName): string {
  const byDefault = setting.required ? "required" : setting.default !== undefined ? `\`${setting.default}\`` : "—";
  return `| \`${settingDisplayName(setting)}\` | ${byDefault} | ${setting.description} |`;
}

/** The rows of the first Markdown table after `heading`. */
function tableAfter(markdown: string, heading: string): string[] {
  const lines = markdown.split("\n");
  const start = lines.indexOf(heading);
  if (start < 0) throw new Error(`no line "${heading}"`);
  const rows: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.startsWith("|")) rows.push(line);
    else if (rows.length > 0) break;
  }
  return rows.slice(2); // header and separator
}

/** Table rows of a page as [names in the first cell, the second cell]. */
function settingRows(markdown: string): { names: string[]; defaultCell: string }[] {
  return markdown
    .split("\n")
    .filter((line) => line.startsWith("| `"))
    .map((line) => {
      const [, first = "", second = ""] = line.split(/(?<!\\)\|/);
      return { names: [...first.matchAll(/`([^`]+)`/g)].map((match) => match[1] ?? ""), defaultCell: second };
    });
}

/** A setting's names as a page writes them: each field of a group, `ACS_RESOURCES__<n>__RESOURCE_ID`. */
function writtenNames(setting: SettingName): string[] {
  return setting.group ? setting.group.map((field) => `${setting.name}__<n>__${field}`) : [setting.name];
}

/** Settings the example leaves out, each with the reason. */
const NOT_IN_THE_EXAMPLE: Readonly<Record<string, string>> = {
  ACS_RESOURCES: "a group: ACS_RESOURCES__0__RESOURCE_ID and __CONNECTION_STRING are added per resource",
  WEBSITE_AUTH_ENABLED:
    "set by App Service only: set by hand it would make the app trust principal headers anyone can send",
};
/** Settings the example has that the app does not read, each with the reason. */
const LOCAL_ONLY: Readonly<Record<string, string>> = {
  FUNCTIONS_WORKER_RUNTIME:
    "Core Tools needs it locally; Flex Consumption takes the runtime from the template's functionAppConfig",
};

describe("settings: one list (src/config/settingNames.ts), checked everywhere a setting is written", () => {
  it("gives every setting one line of description", () => {
    for (const setting of SETTING_NAMES) {
      expect(setting.description, setting.name).toMatch(/^\S[^\n|]{10,158}\.$/);
    }
    expect(new Set(SETTING_NAMES.map((setting) => setting.name)).size).toBe(SETTING_NAMES.length);
  });

  it("states each default as the parser applies it: setting the default changes nothing", () => {
    const base = {
      AzureWebJobsStorage: "UseDevelopmentStorage=true",
      ACS_CONNECTION_STRING: TEST_ACS_CONNECTION_STRING,
      ALLOWED_ACS_RESOURCES: TEST_ACS_RESOURCE,
      ARCHIVE_EVENTS_ENDPOINT: "http://127.0.0.1:7/api/events",
    };
    const unset = parseConfig(base);
    const withDefaults = SETTING_NAMES.filter((setting) => setting.default !== undefined);
    expect(withDefaults.length).toBeGreaterThan(10);
    for (const setting of withDefaults) {
      expect(parseConfig({ ...base, [setting.name]: setting.default }), `${setting.name}=${setting.default}`).toEqual(
        unset,
      );
    }
    // The comparison sees a value that is not the default.
    expect(parseConfig({ ...base, DOWNLOAD_CONCURRENCY: "4" })).not.toEqual(unset);
    expect(parseConfig({ ...base, ARCHIVE_EVENTS_SCHEMA: "CloudEvent" })).not.toEqual(unset);
  });

  it("lists in README.md's table every setting the app reads, as the list says", () => {
    const expected = SETTING_NAMES.filter((setting) => setting.readBy === "app").map(readmeRow);
    const actual = tableAfter(read("README.md"), "## Settings");
    expect(actual, `README.md "## Settings" table, expected rows:\n${expected.join("\n")}`).toEqual(expected);
  });

  it("documents every setting in docs/settings.md, with its default, and no setting the app does not read", () => {
    const rows = settingRows(read("docs/settings.md"));
    for (const setting of SETTING_NAMES) {
      for (const name of writtenNames(setting)) {
        const row = rows.find((candidate) => candidate.names.includes(name));
        expect(row, `docs/settings.md has no row for \`${name}\``).toBeDefined();
        if (setting.default !== undefined)
          expect(row?.defaultCell, `docs/settings.md: the default of ${name}`).toContain(`\`${setting.default}\``);
      }
    }
    const unknown = rows
      .flatMap((row) => row.names.slice(0, 1))
      .filter((name) => settingFor(name.replace("<n>", "0")) === undefined);
    expect(unknown, "rows of docs/settings.md naming a setting src/config/settingNames.ts does not list").toEqual([]);
  });

  it("gives local.settings.json.example every setting a developer may set, at its default", () => {
    const values = (JSON.parse(read("local.settings.json.example")) as { Values: Record<string, string> }).Values;
    const unknown = Object.keys(values).filter((name) => settingFor(name) === undefined && !(name in LOCAL_ONLY));
    expect(unknown, "in local.settings.json.example but not in src/config/settingNames.ts").toEqual([]);
    const absent = SETTING_NAMES.filter(
      (setting) => setting.readBy === "app" && !(setting.name in values) && !(setting.name in NOT_IN_THE_EXAMPLE),
    );
    expect(
      absent.map((setting) => setting.name),
      "missing from local.settings.json.example",
    ).toEqual([]);
    for (const setting of SETTING_NAMES.filter(
      (candidate) => candidate.default !== undefined && candidate.name in values,
    )) {
      expect(values[setting.name], `local.settings.json.example ${setting.name}`).toBe(setting.default);
    }
  });

  it("prints in the command line's --help every setting the command line reads", () => {
    const settingsHelp = USAGE.slice(USAGE.indexOf("Settings:"), USAGE.indexOf("Output:"));
    for (const setting of SETTING_NAMES.filter((candidate) => candidate.readBy === "app")) {
      const listed = new RegExp(`[\\s,]${settingDisplayName(setting).replace(/[<>]/g, "\\$&")}[\\s,.(]`).test(
        settingsHelp,
      );
      expect(listed, `${setting.name} in --help`).toBe(setting.functionsOnly !== true);
    }
  });
});
