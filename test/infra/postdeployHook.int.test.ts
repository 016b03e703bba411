// Integration tier. Needs: sh (the azd hook runs as azd runs it, against a fake az and azd).
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FakeAzure, type FakeAzRule } from "../support/fakeAzure";

// Runs infra/hooks/postdeploy.sh and predown.sh (POSIX sh) against a fake `az` that records its calls and answers like
// ARM would (test/support/fakeAzure.ts). The PowerShell twins are parsed and compared with these in hookScripts.test.ts.

const APP_ID = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/sites/func-x";
const FUNCTION_ID = `${APP_ID}/functions/recordingEventsGrid`;
const OTHER_FUNCTION_ID =
  "/subscriptions/s/resourceGroups/rg-dev/providers/Microsoft.Web/sites/func-dev/functions/recordingEventsGrid";
const TOPIC_ID = "/subscriptions/a/resourceGroups/acs-rg/providers/Microsoft.EventGrid/systemTopics/evgt-acs";
const SUBSCRIPTION = "recording-archiver-prod";
const SUBSCRIPTION_URL = `${TOPIC_ID}/eventSubscriptions/${SUBSCRIPTION}?api-version=2025-02-15`;
const ARCHIVE = "strecarcx";
const ARCHIVE_ID = `/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/${ARCHIVE}`;

const POSTDEPLOY_ENV = {
  AZURE_FUNCTION_APP_ID: APP_ID,
  AZURE_FUNCTION_APP_HOSTNAME: "func-x.azurewebsites.net",
  EVENTGRID_SYSTEM_TOPIC_ID: TOPIC_ID,
  EVENTGRID_SUBSCRIPTION_NAME: SUBSCRIPTION,
  EVENTGRID_FUNCTION_NAME: "recordingEventsGrid",
  EVENTGRID_DEADLETTER_STORAGE_ID: ARCHIVE_ID,
  EVENTGRID_DEADLETTER_CONTAINER: "eventgrid-deadletter",
  EVENTGRID_MAX_DELIVERY_ATTEMPTS: "30",
  EVENTGRID_EVENT_TTL_MINUTES: "1440",
};

/** The subscription's destination as the hooks query it (resourceId, endpointBaseUrl), or absent. */
function subscriptionLookup(destination: string | undefined): FakeAzRule {
  const match = "--method get .*eventSubscriptions/[^ ?]+\\?api-version=\\S+ --query \\[properties\\.destination";
  return destination === undefined
    ? { match, exit: 3, stderr: "ERROR: (ResourceNotFound) The resource was not found.\n" }
    : { match, stdout: `${destination}\tNone\n` };
}

function postdeployRules(
  options: { unresolvedReads?: number; listedAfter?: number; existing?: string } = {},
): FakeAzRule[] {
  return [
    {
      match: "--method get .*configreferences/appsettings\\?",
      until: options.unresolvedReads ?? 0,
      stdout: "ACS_CONNECTION_STRING\tAccessToKeyVaultDenied\n",
    },
    {
      match: "--method get .*/functions\\?",
      from: options.listedAfter ?? 1,
      stdout: "func-x/archiveChunk\nfunc-x/recordingEventsGrid\n",
    },
    subscriptionLookup(options.existing),
    { match: "--query properties\\.provisioningState", stdout: "Succeeded\n" },
    {
      match: "/eventSubscriptions\\?",
      stdout:
        `${SUBSCRIPTION}\t${FUNCTION_ID}\t\n` +
        `portal-sub\t${FUNCTION_ID}\t\n` +
        "other-app\t/subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/sites/func-y/functions/f\t\n",
    },
  ];
}

let azure: FakeAzure;
beforeEach(() => {
  azure = new FakeAzure();
});
afterEach(() => azure.dispose());

const puts = (calls: string[]): string[] => calls.filter((call) => call.includes("--method put"));

describe("postdeploy hook (infra/hooks/postdeploy.sh) against a fake az", () => {
  it("waits until recordingEventsGrid is listed, then creates the one subscription with one PUT", () => {
    const run = azure.run("postdeploy", { rules: postdeployRules({ listedAfter: 3 }), env: POSTDEPLOY_ENV });
    expect(run.status, run.stderr).toBe(0);
    expect(run.calls.filter((call) => call.includes("/functions?"))).toHaveLength(3);
    expect(puts(run.calls)).toHaveLength(1);
    expect(puts(run.calls)[0]).toContain(`--url ${SUBSCRIPTION_URL}`);
    const body = azure.putBody<{
      properties: {
        destination: { endpointType: string; properties: { resourceId: string } };
        filter: { includedEventTypes: string[] };
        retryPolicy: { maxDeliveryAttempts: number; eventTimeToLiveInMinutes: number };
        deadLetterWithResourceIdentity: {
          identity: { type: string };
          deadLetterDestination: { properties: { blobContainerName: string } };
        };
      };
    }>();
    expect(body.properties.destination).toMatchObject({
      endpointType: "AzureFunction",
      properties: { resourceId: FUNCTION_ID },
    });
    expect(body.properties.filter.includedEventTypes).toEqual(["Microsoft.Communication.RecordingFileStatusUpdated"]);
    expect(body.properties.retryPolicy).toEqual({ maxDeliveryAttempts: 30, eventTimeToLiveInMinutes: 1440 });
    expect(body.properties.deadLetterWithResourceIdentity.identity.type).toBe("SystemAssigned");
    expect(body.properties.deadLetterWithResourceIdentity.deadLetterDestination.properties.blobContainerName).toBe(
      "eventgrid-deadletter",
    );
  });

  it("is idempotent: a second run updates its own subscription (PUT to the same name), nothing else", () => {
    const first = azure.run("postdeploy", { rules: postdeployRules(), env: POSTDEPLOY_ENV });
    const firstBody = JSON.stringify(azure.putBody());
    const second = azure.run("postdeploy", { rules: postdeployRules({ existing: FUNCTION_ID }), env: POSTDEPLOY_ENV });
    expect(first.status, first.stderr).toBe(0);
    expect(second.status, second.stderr).toBe(0);
    const normalise = (call: string): string => call.replace(/--body @\S+/, "--body @<file>");
    expect(puts(second.calls).map(normalise)).toEqual(puts(first.calls).map(normalise));
    expect(JSON.stringify(azure.putBody())).toBe(firstBody);
    expect(second.calls.some((call) => call.includes("--method delete"))).toBe(false);
  });

  it("never takes over a subscription of the same name that delivers to another environment's app", () => {
    const run = azure.run("postdeploy", {
      rules: postdeployRules({ existing: OTHER_FUNCTION_ID }),
      env: POSTDEPLOY_ENV,
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`Event Grid subscription ${SUBSCRIPTION} already exists and delivers to another app`);
    expect(run.stderr).toContain("azd env set EVENTGRID_SUBSCRIPTION_NAME");
    expect(puts(run.calls)).toEqual([]);
  });

  it("warns about another subscription delivering to the same app (double delivery), not about other apps", () => {
    const run = azure.run("postdeploy", { rules: postdeployRules(), env: POSTDEPLOY_ENV });
    expect(run.stdout).toContain("other subscriptions on the topic also deliver to this app");
    expect(run.stdout).toContain("  portal-sub");
    expect(run.stdout).not.toContain("other-app");
  });

  it("stops with a clear message when the function is never listed (bounded wait), and creates nothing", () => {
    const run = azure.run("postdeploy", {
      rules: postdeployRules({ listedAfter: 1_000_000 }),
      env: { ...POSTDEPLOY_ENV, POSTDEPLOY_WAIT_SECONDS: "0" },
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("function recordingEventsGrid is not listed on the app after 0s");
    expect(run.stderr).toContain("azd hooks run postdeploy");
    expect(puts(run.calls)).toEqual([]);
  });

  it("refreshes unresolved Key Vault references until they resolve and restarts the app once, before subscribing", () => {
    const run = azure.run("postdeploy", { rules: postdeployRules({ unresolvedReads: 2 }), env: POSTDEPLOY_ENV });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain("ACS_CONNECTION_STRING");
    const refresh = run.calls.findIndex((call) => call.includes("configreferences/appsettings/refresh"));
    const restarts = run.calls.filter((call) => call.includes(`${APP_ID}/restart?`));
    const put = run.calls.findIndex((call) => call.includes("--method put"));
    expect(refresh).toBeGreaterThanOrEqual(0);
    expect(restarts).toHaveLength(1);
    expect(run.calls.indexOf(restarts[0] ?? "")).toBeLessThan(put);
  });

  it("does not restart the app when every reference is resolved", () => {
    const run = azure.run("postdeploy", { rules: postdeployRules(), env: POSTDEPLOY_ENV });
    expect(run.status).toBe(0);
    expect(run.calls.some((call) => call.includes("/restart?"))).toBe(false);
    expect(run.calls.some((call) => call.includes("appsettings/refresh"))).toBe(false);
  });

  it("with EVENT_DELIVERY=webhook creates no Event Grid subscription and says what to do", () => {
    const run = azure.run("postdeploy", {
      rules: postdeployRules(),
      env: { ...POSTDEPLOY_ENV, EVENT_DELIVERY: "Webhook" },
    });
    expect(run.status, run.stderr).toBe(0);
    expect(puts(run.calls)).toEqual([]);
    expect(run.stdout).toContain("https://func-x.azurewebsites.net/api/recording-events");
  });

  it("refuses to run without the template's outputs, naming the missing one", () => {
    const run = azure.run("postdeploy", {
      rules: postdeployRules(),
      env: { ...POSTDEPLOY_ENV, EVENTGRID_SYSTEM_TOPIC_ID: "" },
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("EVENTGRID_SYSTEM_TOPIC_ID is not set");
  });
});

describe("predown hook (infra/hooks/predown.sh) against a fake az", () => {
  const PREDOWN_ENV = {
    AZURE_SUBSCRIPTION_ID: "s",
    AZURE_RESOURCE_GROUP: "rg",
    AZURE_FUNCTION_APP_ID: APP_ID,
    AZURE_FUNCTION_APP_HOSTNAME: "func-x.azurewebsites.net",
    ARCHIVE_STORAGE_ACCOUNT_NAME: ARCHIVE,
    ARCHIVE_STORAGE_ACCOUNT_ID: ARCHIVE_ID,
    ARCHIVE_RECORDINGS_CONTAINER: "recordings",
    EVENTGRID_SYSTEM_TOPIC_ID: TOPIC_ID,
    EVENTGRID_SUBSCRIPTION_NAME: SUBSCRIPTION,
  };
  const LOCK_ID = `${ARCHIVE_ID}/providers/Microsoft.Authorization/locks/recording-archive-do-not-delete`;

  function predownRules(options: {
    locks?: string;
    blobs?: string;
    listing?: "denied";
    destination?: string | undefined;
  }): FakeAzRule[] {
    return [
      {
        match: "--method get .*/resourceGroups/rg/providers/Microsoft\\.Authorization/locks\\?api-version=2020-05-01",
        stdout: options.locks ?? "",
      },
      { match: `--method get --url ${ARCHIVE_ID}\\?`, stdout: `${ARCHIVE}\n` },
      options.listing === "denied"
        ? {
            match: "storage blob list",
            exit: 1,
            stderr: "ERROR: You do not have the required permissions needed to perform this operation.\n",
          }
        : {
            match: `storage blob list --auth-mode login --account-name ${ARCHIVE} --container-name recordings --include dv`,
            stdout: options.blobs ?? "",
          },
      subscriptionLookup(options.destination),
    ];
  }
  const deletes = (calls: string[]): string[] => calls.filter((call) => call.includes("--method delete"));

  it("deletes the environment's Event Grid subscription (and nothing else) when it delivers to this environment's app and the archive is empty", () => {
    const run = azure.run("predown", { rules: predownRules({ destination: FUNCTION_ID }), env: PREDOWN_ENV });
    expect(run.status, run.stderr).toBe(0);
    expect(deletes(run.calls)).toEqual([`rest --method delete --url ${SUBSCRIPTION_URL} -o none --only-show-errors`]);
  });

  it("leaves a subscription of the same name that delivers to another environment's app", () => {
    const run = azure.run("predown", { rules: predownRules({ destination: OTHER_FUNCTION_ID }), env: PREDOWN_ENV });
    expect(run.status, run.stderr).toBe(0);
    expect(deletes(run.calls)).toEqual([]);
    expect(run.stdout).toContain("delivers to another app");
  });

  it("refuses while a delete lock is on the archive, before deleting anything, and says how to tear down deliberately", () => {
    const run = azure.run("predown", {
      rules: predownRules({ locks: `${LOCK_ID}\n`, destination: FUNCTION_ID }),
      env: PREDOWN_ENV,
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(LOCK_ID);
    expect(run.stderr).toContain("az lock delete --ids");
    expect(run.stderr).toContain(`ARCHIVE_DELETE_CONFIRM=${ARCHIVE} azd down`);
    expect(deletes(run.calls)).toEqual([]);
  });

  it("refuses while the archive holds recordings, unless ARCHIVE_DELETE_CONFIRM names the account", () => {
    const held = predownRules({ blobs: "calls/2026/01/01/c1/r1/0-eus-d1/media.wav\n", destination: FUNCTION_ID });
    const refused = azure.run("predown", { rules: held, env: PREDOWN_ENV });
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain(`the archive account ${ARCHIVE} still holds recordings`);
    expect(deletes(refused.calls)).toEqual([]);

    const wrongName = azure.run("predown", { rules: held, env: { ...PREDOWN_ENV, ARCHIVE_DELETE_CONFIRM: "yes" } });
    expect(wrongName.status).toBe(1);

    const confirmed = azure.run("predown", { rules: held, env: { ...PREDOWN_ENV, ARCHIVE_DELETE_CONFIRM: ARCHIVE } });
    expect(confirmed.status, confirmed.stderr).toBe(0);
    expect(confirmed.calls.some((call) => call.includes("storage blob list"))).toBe(false);
    expect(deletes(confirmed.calls)).toHaveLength(1);
  });

  it("refuses when the archive cannot be listed (it cannot tell), unless confirmed", () => {
    const run = azure.run("predown", {
      rules: predownRules({ listing: "denied", destination: FUNCTION_ID }),
      env: PREDOWN_ENV,
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("could not list the archive account");
    expect(run.stderr).toContain("Storage Blob Data Reader");
    expect(deletes(run.calls)).toEqual([]);
  });

  it("reads the environment from azd when run by hand, and does nothing when no subscription was recorded", () => {
    const run = azure.run("predown", {
      rules: predownRules({}),
      azdEnv: { ARCHIVE_STORAGE_ACCOUNT_NAME: ARCHIVE, ARCHIVE_STORAGE_ACCOUNT_ID: ARCHIVE_ID },
    });
    expect(run.status, run.stderr).toBe(0);
    expect(run.calls.some((call) => call.includes(`--account-name ${ARCHIVE}`))).toBe(true);
    expect(run.stdout).toContain("nothing to delete");
    expect(deletes(run.calls)).toEqual([]);
  });
});
