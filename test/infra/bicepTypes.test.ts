import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { bicepFiles, readRepoFile, repoRoot } from "../support/bicepTree";
import { BicepTypeLibrary, checkTemplateTypes, type TypeCheckReport } from "../support/bicepTypes";

// The Bicep compiler's type data lives beside the repository (../shared/reference/bicep-types), not in it. A clone
// without that folder cannot run this check: it says so and skips.
const TYPES_FOLDER = join(repoRoot, "..", "shared", "reference", "bicep-types");
const types = BicepTypeLibrary.load(TYPES_FOLDER);
if (!types)
  console.warn(
    `Bicep type data not found at ${TYPES_FOLDER}: the Bicep type check (test/infra/bicepTypes.test.ts) is skipped.`,
  );
const suite = types ? describe : describe.skip;

function check(file: string, source: string = readRepoFile(file)): TypeCheckReport {
  if (!types) throw new Error("no type data");
  return checkTemplateTypes(file, source, types, repoRoot);
}

/** main.bicep with one exact piece of text replaced (it must be there exactly once). */
function mutated(from: string | RegExp, to: string): string {
  const source = readRepoFile("infra/main.bicep");
  const count =
    typeof from === "string"
      ? source.split(from).length - 1
      : (source.match(new RegExp(from.source, `${from.flags.replace("g", "")}g`)) ?? []).length;
  if (count !== 1) throw new Error(`${String(from)} occurs ${count} times in infra/main.bicep`);
  return source.replace(from, to);
}

suite(`Bicep resources against the Bicep type data${types ? "" : ` (skipped: ${TYPES_FOLDER} not found)`}`, () => {
  it.each(bicepFiles())(
    "%s: every resource type, API version, property, enum value and module parameter checks out",
    (file) => {
      const report = check(file);
      expect(report.problems, report.problems.join("\n")).toEqual([]);
      expect(report.resources + report.modules).toBeGreaterThan(0);
    },
  );

  it("walks the whole template, following variables into their literals", () => {
    const report = check("infra/main.bicep");
    expect(report.resources).toBeGreaterThanOrEqual(35);
    expect(report.modules).toBeGreaterThanOrEqual(5);
    expect(report.properties).toBeGreaterThan(300);
  });

  it("fails on a misspelled property, naming it and where", () => {
    const report = check("infra/main.bicep", mutated("isVersioningEnabled:", "isVersioningEnable:"));
    expect(report.problems.join("\n")).toMatch(
      /^infra\/main\.bicep:\d+: archiveBlobService\.properties\.isVersioningEnable: unknown property 'isVersioningEnable'/m,
    );
  });

  it("fails on an API version the type data does not have, listing the known ones", () => {
    const report = check(
      "infra/main.bicep",
      mutated("'Microsoft.Web/serverfarms@2024-04-01'", "'Microsoft.Web/serverfarms@2024-04-02'"),
    );
    expect(report.problems.join("\n")).toMatch(
      /plan: no type data for Microsoft\.Web\/serverfarms@2024-04-02 \(known versions: 2024-04-01\)/,
    );
  });

  it("fails on a property name in the wrong case, inside a nested object", () => {
    const report = check(
      "infra/main.bicep",
      mutated("instanceMemoryMB: instanceMemoryMB", "instanceMemoryMb: instanceMemoryMB"),
    );
    expect(report.problems.join("\n")).toMatch(
      /functionApp\.properties\.functionAppConfig\.scaleAndConcurrency\.instanceMemoryMb: property name differs in case from 'instanceMemoryMB'/,
    );
  });

  it("fails on a value outside a closed enum, and outside an open enum the platform refuses", () => {
    const enumValue = check(
      "infra/main.bicep",
      mutated("family: 'A'\n      name: 'standard'", "family: 'A'\n      name: 'standart'"),
    );
    expect(enumValue.problems.join("\n")).toMatch(
      /keyVault\.properties\.sku\.name: 'standart' is not one of 'standard', 'premium'/,
    );
    const authentication = check(
      "infra/main.bicep",
      mutated("type: 'UserAssignedIdentity'", "type: 'UserAssignedIdentities'"),
    );
    expect(authentication.problems.join("\n")).toMatch(
      /authentication\.type: 'UserAssignedIdentities' is not one of 'SystemAssignedIdentity', 'UserAssignedIdentity'/,
    );
  });

  it("fails on a read-only property and on a missing required one", () => {
    const readOnly = check(
      "infra/main.bicep",
      mutated("    reserved: true // Linux", "    reserved: true // Linux\n    provisioningState: 'Succeeded'"),
    );
    expect(readOnly.problems.join("\n")).toMatch(
      /plan\.properties\.provisioningState: 'provisioningState' is read-only/,
    );
    const missing = check(
      "infra/main.bicep",
      mutated(
        /\n {4}roleDefinitionId: subscriptionResourceId\('Microsoft\.Authorization\/roleDefinitions', roles\.monitoringMetricsPublisher\)/,
        "",
      ),
    );
    expect(missing.problems.join("\n")).toMatch(
      /required property 'roleDefinitionId' is missing \(RoleAssignmentProperties\)/,
    );
  });

  it("follows a var into its object literal (lifecycle rules live in vars)", () => {
    const report = check(
      "infra/main.bicep",
      mutated("name: 'deadline-markers-cleanup'\n  enabled: true", "name: 'deadline-markers-cleanup'\n  enable: true"),
    );
    expect(report.problems.join("\n")).toMatch(
      /archiveLifecycle\.properties\.policy\.rules\[\]\.enable: unknown property 'enable'/,
    );
  });

  it("fails on a module parameter the module does not declare", () => {
    const report = check(
      "infra/main.bicep",
      mutated(
        "    namePrefix: 'recarch-${resourceToken}'",
        "    namePrefix: 'recarch-${resourceToken}'\n    alertEmails: alertEmail",
      ),
    );
    expect(report.problems.join("\n")).toMatch(/module modules\/alerts\.bicep: no parameter 'alertEmails'/);
  });
});

describe("the Bicep type data folder", () => {
  it(types ? "is present beside the repository" : "is absent: the type check above says so and skips", () => {
    expect(existsSync(join(TYPES_FOLDER, "index.json"))).toBe(types !== undefined);
  });
});
