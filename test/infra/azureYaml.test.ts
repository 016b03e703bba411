import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { readRepoFile, repoRoot } from "../support/bicepTree";

interface HookCommand {
  readonly shell?: string;
  readonly run?: string;
}
type Hook = HookCommand & { readonly posix?: HookCommand; readonly windows?: HookCommand };
interface AzureYaml {
  readonly name?: string;
  readonly requiredVersions?: { readonly azd?: string };
  readonly infra?: { readonly provider?: string; readonly path?: string; readonly module?: string };
  readonly services?: Record<
    string,
    {
      readonly project?: string;
      readonly language?: string;
      readonly host?: string;
      readonly dist?: string;
      readonly remoteBuild?: boolean;
      readonly hooks?: Record<string, Hook>;
    }
  >;
  readonly hooks?: Record<string, Hook>;
}

const azureYaml = parse(readRepoFile("azure.yaml")) as AzureYaml;

describe("azure.yaml (azd)", () => {
  it("names one Functions service built from the repository root, in TypeScript, packaged locally", () => {
    const services = Object.entries(azureYaml.services ?? {});
    expect(services).toHaveLength(1);
    const [name, service] = services[0] ?? ["", {}];
    expect(name).toBe("api"); // the Function App's azd-service-name tag in infra/main.bicep
    expect(readRepoFile("infra/main.bicep")).toContain("'azd-service-name': 'api'");
    expect(service).toMatchObject({
      project: ".",
      language: "ts",
      host: "function",
      remoteBuild: false,
      dist: ".deploy/package",
    });
    expect(service.hooks?.["prepackage"]?.posix?.run).toBe("npm run deploy:stage");
    expect(service.hooks?.["prepackage"]?.windows?.run).toBe("npm run deploy:stage");
    const scripts = (JSON.parse(readRepoFile("package.json")) as { scripts: Record<string, string> }).scripts;
    expect(scripts["deploy:stage"]).toContain("--out .deploy/package");
  });

  it("requires an azd that keeps the staged node_modules and does not remote-build (1.23.12 or later)", () => {
    expect(azureYaml.requiredVersions?.azd).toBe(">= 1.23.12");
  });

  it("names the Bicep infrastructure in infra/", () => {
    expect(azureYaml.infra).toEqual({ provider: "bicep", path: "infra", module: "main" });
    expect(existsSync(join(repoRoot, "infra", "main.bicep"))).toBe(true);
    expect(existsSync(join(repoRoot, "infra", "main.parameters.json"))).toBe(true);
  });

  it.each(["preprovision", "postdeploy", "predown"])(
    "has a %s hook for sh and PowerShell whose scripts exist",
    (hookName) => {
      const hook = azureYaml.hooks?.[hookName];
      expect(hook?.posix?.shell).toBe("sh");
      expect(hook?.windows?.shell).toBe("pwsh");
      for (const command of [hook?.posix?.run, hook?.windows?.run]) {
        expect(command).toMatch(/^\.\/infra\/hooks\/[a-z]+\.(sh|ps1)$/);
        const path = join(repoRoot, command ?? "");
        expect(existsSync(path), path).toBe(true);
        if (path.endsWith(".sh")) expect(statSync(path).mode & 0o111, `${command} is not executable`).not.toBe(0);
      }
    },
  );

  it("maps the azd environment onto the template's parameters, the ACS connection string as a secure parameter", () => {
    const parameters = (
      JSON.parse(readRepoFile("infra/main.parameters.json")) as { parameters: Record<string, { value: unknown }> }
    ).parameters;
    expect(parameters["environmentName"]?.value).toBe("${AZURE_ENV_NAME}");
    expect(parameters["location"]?.value).toBe("${AZURE_LOCATION}");
    expect(parameters["acsResourceId"]?.value).toBe("${ACS_RESOURCE_ID}");
    expect(parameters["acsConnectionString"]?.value).toBe("${ACS_CONNECTION_STRING=}");
    const bicep = readRepoFile("infra/main.bicep");
    expect(bicep).toMatch(/@secure\(\)\n@description\([^\n]*\)\nparam acsConnectionString string/);
    for (const name of Object.keys(parameters))
      expect(bicep, `parameter ${name}`).toMatch(new RegExp(`^param ${name} `, "m"));
  });

  it("creates the Event Grid subscription in the postdeploy hook only, not in Bicep (one subscription, no double delivery)", () => {
    for (const file of ["infra/main.bicep", "infra/modules/acs-system-topic.bicep"]) {
      expect(readRepoFile(file)).not.toMatch(/'Microsoft\.EventGrid\/systemTopics\/eventSubscriptions@/);
    }
    for (const script of ["infra/hooks/postdeploy.sh", "infra/hooks/postdeploy.ps1"]) {
      const text = readRepoFile(script);
      expect(text).toContain("--method put");
      expect(text).toContain("Microsoft.Communication.RecordingFileStatusUpdated");
      expect(text).toContain("AzureFunction");
      expect(text).toContain("deadLetterWithResourceIdentity");
      expect(text).toContain("maxDeliveryAttempts");
    }
  });
});
