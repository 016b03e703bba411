// Integration tier. Needs: sh (the azd hook runs as azd runs it, against a fake az and azd).
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FakeAzure, type FakeAzRule } from "../support/fakeAzure";

// Runs infra/hooks/preprovision.sh (POSIX sh) against a fake `az` and `azd` (test/support/fakeAzure.ts).

const ACS_ID =
  "/subscriptions/acs-sub/resourceGroups/acs-rg/providers/Microsoft.Communication/communicationServices/acs-prod";
const TOPIC_ID =
  "/subscriptions/acs-sub/resourceGroups/events-rg/providers/Microsoft.EventGrid/systemTopics/portal-topic";
const VAULT_ID = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-recarch-abc";
const UAMI =
  "/subscriptions/acs-sub/resourceGroups/events-rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/events-writer";

const BASE_ENV = {
  AZURE_ENV_NAME: "prod",
  AZURE_SUBSCRIPTION_ID: "s",
  AZURE_LOCATION: "westeurope",
  AZURE_RESOURCE_GROUP: "rg",
  ACS_RESOURCE_ID: ACS_ID,
  ALERT_EMAIL: "ops@example.com",
};

interface Situation {
  readonly regions?: string;
  readonly nodeVersions?: string;
  readonly topics?: string;
  readonly topicIdentity?: "SystemAssigned" | "UserAssigned";
  readonly vaults?: string;
  readonly secret?: "exists" | "absent" | "forbidden";
  readonly appProvider?: "Registered" | "NotRegistered";
}

function rules(situation: Situation = {}): FakeAzRule[] {
  const secretRule: FakeAzRule =
    situation.secret === "exists"
      ? {
          match: "secrets/participant-index-key\\?api-version=2023-07-01",
          stdout: `${VAULT_ID}/secrets/participant-index-key\n`,
        }
      : situation.secret === "forbidden"
        ? {
            match: "secrets/participant-index-key",
            exit: 1,
            stderr: "ERROR: (AuthorizationFailed) The client does not have authorization.\n",
          }
        : {
            match: "secrets/participant-index-key",
            exit: 3,
            stderr: "ERROR: (ResourceNotFound) The Resource was not found.\n",
          };
  return [
    {
      match: "functionapp list-flexconsumption-locations --subscription s",
      stdout: situation.regions ?? "eastus\nwesteurope\nswedencentral\n",
    },
    {
      match: "functionapp list-flexconsumption-runtimes --subscription s --location westeurope --runtime node",
      stdout: situation.nodeVersions ?? "22\n20\n",
    },
    {
      match: "provider show --subscription s --namespace Microsoft.App",
      stdout: `${situation.appProvider ?? "NotRegistered"}\n`,
    },
    { match: "eventgrid system-topic list --subscription acs-sub", stdout: situation.topics ?? "" },
    { match: `--method get --url ${TOPIC_ID}\\?api-version=2025-02-15 --query location`, stdout: "global\n" },
    {
      match: `--method get --url ${TOPIC_ID}\\?api-version=2025-02-15 --query identity\\.type`,
      stdout: `${situation.topicIdentity ?? "SystemAssigned"}\n`,
    },
    { match: `--query keys\\(identity\\.userAssignedIdentities\\)`, stdout: `${UAMI}\n` },
    {
      match: `--method get --url ${TOPIC_ID}\\?api-version=2025-02-15 --query tags`,
      stdout: '{\n  "cost-center": "42"\n}\n',
    },
    {
      match:
        "resource list --subscription s --tag azd-env-name=prod --query \\[\\?type=='Microsoft\\.KeyVault/vaults'\\]\\.id",
      stdout: situation.vaults ?? "",
    },
    secretRule,
  ];
}

let azure: FakeAzure;
beforeEach(() => {
  azure = new FakeAzure();
});
afterEach(() => azure.dispose());

describe("preprovision hook (infra/hooks/preprovision.sh) against a fake az and azd", () => {
  it("on a first deployment: checks region and runtime, and lets the deployment write a new participant index key", () => {
    const run = azure.run("preprovision", { rules: rules(), azdEnv: BASE_ENV });
    expect(run.status, run.stderr).toBe(0);
    expect(run.azdEnv).toMatchObject({
      PARTICIPANT_INDEX_KEY_WRITE: "true",
      KEY_VAULT_CREATE_MODE: "default",
      EVENTGRID_SYSTEM_TOPIC_USER_IDENTITIES: "",
    });
    expect(run.azdEnv["PARTICIPANT_INDEX_KEY"]).toBeUndefined(); // generated inside the deployment, never here
    expect(run.calls.some((call) => call.includes("provider register"))).toBe(false);
    expect(run.azdSets.join("\n")).not.toMatch(/PARTICIPANT_INDEX_KEY=./);
  });

  it("never replaces an existing participant index key, found through the vault's environment tag on a fresh machine", () => {
    const run = azure.run("preprovision", {
      rules: rules({ vaults: `${VAULT_ID}\n`, secret: "exists" }),
      azdEnv: { ...BASE_ENV, PARTICIPANT_INDEX_KEY: "a-key-from-another-machine-0123456789abcdef" },
    });
    expect(run.status, run.stderr).toBe(0);
    expect(run.azdEnv["PARTICIPANT_INDEX_KEY_WRITE"]).toBe("false");
    expect(run.stdout).toContain("the vault already holds participant-index-key: it is kept");
    expect(run.calls).toContain(
      `rest --method get --url ${VAULT_ID}/secrets/participant-index-key?api-version=2023-07-01 --query id -o tsv --only-show-errors`,
    );
  });

  it("refuses when it cannot tell whether the vault holds a key (a new one would orphan the index)", () => {
    const run = azure.run("preprovision", {
      rules: rules({ vaults: `${VAULT_ID}\n`, secret: "forbidden" }),
      azdEnv: BASE_ENV,
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("could not check whether Key Vault");
    expect(run.azdEnv["PARTICIPANT_INDEX_KEY_WRITE"]).toBeUndefined();
  });

  it("rotates only when asked, once: the flag is reset", () => {
    const run = azure.run("preprovision", {
      rules: rules({ vaults: `${VAULT_ID}\n`, secret: "exists" }),
      azdEnv: { ...BASE_ENV, PARTICIPANT_INDEX_KEY_ROTATE: "true" },
    });
    expect(run.status, run.stderr).toBe(0);
    expect(run.azdEnv).toMatchObject({ PARTICIPANT_INDEX_KEY_WRITE: "true", PARTICIPANT_INDEX_KEY_ROTATE: "false" });
    expect(run.stdout).toContain("participants reindex");
  });

  it("adopts the ACS resource's existing system topic, keeping its user-assigned identity and its tags", () => {
    const run = azure.run("preprovision", {
      rules: rules({
        topics: `/subscriptions/acs-sub/resourceGroups/x/providers/Microsoft.EventGrid/systemTopics/other\t/subscriptions/acs-sub/resourceGroups/acs-rg/providers/Microsoft.Storage/storageAccounts/st\n${TOPIC_ID}\t${ACS_ID.toUpperCase()}\n`,
        topicIdentity: "UserAssigned",
      }),
      azdEnv: BASE_ENV,
    });
    expect(run.status, run.stderr).toBe(0);
    expect(run.azdEnv).toMatchObject({
      EVENTGRID_SYSTEM_TOPIC_NAME: "portal-topic",
      EVENTGRID_SYSTEM_TOPIC_RESOURCE_GROUP: "events-rg",
      EVENTGRID_SYSTEM_TOPIC_USER_IDENTITIES: UAMI,
    });
    expect(JSON.parse(Buffer.from(run.azdEnv["EVENTGRID_SYSTEM_TOPIC_TAGS"] ?? "", "base64").toString("utf8"))).toEqual(
      { "cost-center": "42" },
    );
  });

  it("fails clearly when a topic name was set by hand that is not the ACS resource's system topic", () => {
    const run = azure.run("preprovision", {
      rules: rules({ topics: `${TOPIC_ID}\t${ACS_ID}\n` }),
      azdEnv: { ...BASE_ENV, EVENTGRID_SYSTEM_TOPIC_NAME: "evgt-acs-prod" },
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("the ACS resource's system topic is portal-topic (a source has only one)");
  });

  it("offers only regions with Flex Consumption, and only Node versions the region offers", () => {
    const region = azure.run("preprovision", {
      rules: rules({ regions: "eastus\nswedencentral\n" }),
      azdEnv: BASE_ENV,
    });
    expect(region.status).toBe(1);
    expect(region.stderr).toContain("region westeurope does not offer Flex Consumption");
    expect(region.stderr).toContain("  swedencentral");

    const node = azure.run("preprovision", {
      rules: rules({ nodeVersions: "20\n22\n" }),
      azdEnv: { ...BASE_ENV, NODE_VERSION: "24" },
    });
    expect(node.status).toBe(1);
    expect(node.stderr).toContain("Node.js 24 is not offered on Flex Consumption in westeurope");
    expect(node.stderr).toContain("supported by this template: 22");
  });

  it("registers Microsoft.App when the VNet option is on and it is not registered yet", () => {
    const run = azure.run("preprovision", { rules: rules(), azdEnv: { ...BASE_ENV, VNET_ENABLED: "true" } });
    expect(run.status, run.stderr).toBe(0);
    expect(run.calls).toContain(
      "provider register --subscription s --namespace Microsoft.App --wait --only-show-errors",
    );
    const registered = azure.run("preprovision", {
      rules: rules({ appProvider: "Registered" }),
      azdEnv: { ...BASE_ENV, VNET_ENABLED: "true" },
    });
    expect(registered.calls.some((call) => call.includes("provider register"))).toBe(false);
  });

  it("refuses an empty ALERT_EMAIL unless the operator opts out, then warns loudly", () => {
    const { ALERT_EMAIL: _email, ...withoutEmail } = BASE_ENV;
    const refused = azure.run("preprovision", { rules: rules(), azdEnv: withoutEmail });
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain("set ALERT_EMAIL");
    const optedOut = azure.run("preprovision", {
      rules: rules(),
      azdEnv: { ...withoutEmail, ALERT_EMAIL_OPTIONAL: "true" },
    });
    expect(optedOut.status, optedOut.stderr).toBe(0);
    expect(optedOut.stdout).toContain("WARNING: ALERT_EMAIL is empty");
  });

  it("sets KEY_VAULT_CREATE_MODE=recover for this environment's soft-deleted vault, and keeps its key", () => {
    const run = azure.run("preprovision", {
      rules: [
        { match: "keyvault show --subscription s --name kv-recarch-abc", exit: 3 },
        { match: "keyvault show-deleted --subscription s --name kv-recarch-abc" },
        ...rules(),
      ],
      azdEnv: { ...BASE_ENV, AZURE_KEY_VAULT_NAME: "kv-recarch-abc" },
    });
    expect(run.status, run.stderr).toBe(0);
    expect(run.azdEnv).toMatchObject({ KEY_VAULT_CREATE_MODE: "recover", PARTICIPANT_INDEX_KEY_WRITE: "false" });
  });

  it("refuses an ACS_RESOURCE_ID that is not an ACS resource id", () => {
    const run = azure.run("preprovision", { rules: rules(), azdEnv: { ...BASE_ENV, ACS_RESOURCE_ID: "acs-prod" } });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("set ACS_RESOURCE_ID");
  });
});
