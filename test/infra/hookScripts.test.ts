import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readRepoFile, repoRoot } from "../support/bicepTree";
import {
  HOOKS_FOLDER,
  hookContract,
  hookNames,
  parsePowerShell,
  powerShellSyntaxErrors,
  putBodyKeys,
  unassignedSplats,
} from "../support/hookScripts";

// Both hook languages are checked here without Azure: the sh hooks by shellcheck (a Debian package; .ci/run installs
// it), the PowerShell hooks by a parser and a splatting rule, and the two twins against each other. The sh hooks also
// run against a fake az (postdeployHook.int.test.ts, preprovisionHook.int.test.ts).

const names = hookNames();
const shellcheck = spawnSync("shellcheck", ["--version"], { encoding: "utf8" });
const shellcheckAvailable = shellcheck.status === 0;
if (!shellcheckAvailable)
  console.warn(
    "shellcheck is not installed (apt-get install shellcheck; .ci/run installs it): the sh hook lint is skipped.",
  );

describe("the hooks exist in both languages", () => {
  it("has preprovision, postdeploy and predown as .sh and .ps1", () => {
    expect(names).toEqual(["postdeploy", "predown", "preprovision"]);
    for (const name of names) expect(() => readRepoFile(`${HOOKS_FOLDER}/${name}.ps1`)).not.toThrow();
  });
});

describe.skipIf(!shellcheckAvailable)(
  `sh hooks: shellcheck${shellcheckAvailable ? "" : " (skipped: shellcheck is not installed)"}`,
  () => {
    it.each(names)("%s.sh is clean (POSIX sh)", (name) => {
      const run = spawnSync(
        "shellcheck",
        ["--shell=sh", "--severity=style", "--format=gcc", join(repoRoot, HOOKS_FOLDER, `${name}.sh`)],
        { encoding: "utf8" },
      );
      expect(run.stdout + run.stderr, `shellcheck ${name}.sh`).toBe("");
      expect(run.status).toBe(0);
    });

    it("reports a problem in a broken copy (so a clean run means something)", () => {
      const run = spawnSync("shellcheck", ["--shell=sh", "--format=gcc", "-"], {
        input: '#!/bin/sh\nfor f in $(ls *.sh); do echo $f; done\n[[ -n "$x" ]]\n',
        encoding: "utf8",
      });
      expect(run.status).not.toBe(0);
      expect(run.stdout).toMatch(/SC\d{4}/);
    });
  },
);

describe("PowerShell hooks: parsed by tree-sitter-powershell", () => {
  it.each(names)("%s.ps1 parses without a syntax error", async (name) => {
    const tree = await parsePowerShell(readRepoFile(`${HOOKS_FOLDER}/${name}.ps1`));
    const problems = powerShellSyntaxErrors(tree);
    expect(problems, problems.join("\n")).toEqual([]);
  });

  it.each(names)("%s.ps1 splats only variables it assigns (@kvArgs, never the automatic @args)", async (name) => {
    const tree = await parsePowerShell(readRepoFile(`${HOOKS_FOLDER}/${name}.ps1`));
    expect(unassignedSplats(tree)).toEqual([]);
  });

  it("flags the splat of the script's own @args where @kvArgs was meant (the old Key Vault recovery bug)", async () => {
    const broken = readRepoFile(`${HOOKS_FOLDER}/preprovision.ps1`).replace(
      "az keyvault show @kvArgs",
      "az keyvault show @args",
    );
    expect(broken).toContain("az keyvault show @args");
    expect(unassignedSplats(await parsePowerShell(broken))).toEqual([expect.stringMatching(/^\d+: @args$/)]);
  });

  it("reports a broken script with its line", async () => {
    const tree = await parsePowerShell("if ($x -eq 1) {\n  Write-Host 'open'\n");
    expect(powerShellSyntaxErrors(tree).length).toBeGreaterThan(0);
  });
});

describe("the .sh and .ps1 twins say the same to Azure and azd", () => {
  it.each(names)("%s: same API versions, URL paths, az commands, queries, azd values and event types", (name) => {
    const sh = hookContract(`${HOOKS_FOLDER}/${name}.sh`);
    const ps1 = hookContract(`${HOOKS_FOLDER}/${name}.ps1`);
    expect(ps1.apiVersions).toEqual(sh.apiVersions);
    expect(ps1.urlPaths).toEqual(sh.urlPaths);
    expect(ps1.azCommands).toEqual(sh.azCommands);
    expect(ps1.queries).toEqual(sh.queries);
    expect(ps1.azdSets).toEqual(sh.azdSets);
    expect(ps1.eventTypes).toEqual(sh.eventTypes);
    expect(sh.azCommands.length).toBeGreaterThan(0);
  });

  it("postdeploy: the Event Grid subscription body has the same JSON keys in both", () => {
    const sh = putBodyKeys(`${HOOKS_FOLDER}/postdeploy.sh`);
    expect(putBodyKeys(`${HOOKS_FOLDER}/postdeploy.ps1`)).toEqual(sh);
    expect(sh).toEqual(
      expect.arrayContaining([
        "deadLetterWithResourceIdentity",
        "destination",
        "endpointType",
        "eventTimeToLiveInMinutes",
        "includedEventTypes",
        "maxDeliveryAttempts",
      ]),
    );
  });

  it("catches a drift (a different API version in one twin)", () => {
    const sh = hookContract(`${HOOKS_FOLDER}/predown.sh`);
    expect(sh.apiVersions).toContain("2025-02-15");
    expect(sh.urlPaths).toContain("/providers/Microsoft.Authorization/locks");
    expect(sh.azdSets).toEqual([]);
    expect(hookContract(`${HOOKS_FOLDER}/preprovision.sh`).azdSets).toEqual(
      expect.arrayContaining(["EVENTGRID_SYSTEM_TOPIC_NAME", "KEY_VAULT_CREATE_MODE", "PARTICIPANT_INDEX_KEY_WRITE"]),
    );
  });
});
