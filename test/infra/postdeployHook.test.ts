import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { repoRoot } from "../support/bicepTree";

// Runs infra/hooks/postdeploy.sh (POSIX sh) against a fake `az` that records its calls and answers like
// ARM would; `sleep` is a no-op so that polling takes no time. The PowerShell twin is not run here (no pwsh).
const FAKE_AZ = `#!/bin/sh
echo "$*" >> "$FAKE_DIR/calls.log"
count() { n=$(cat "$FAKE_DIR/$1" 2>/dev/null || echo 0); n=$((n + 1)); echo $n > "$FAKE_DIR/$1"; echo $n; }
case "$*" in
  *"--method get"*"configreferences/appsettings?"*)
    n=$(count references)
    if [ "$n" -le "\${FAKE_UNRESOLVED_READS:-0}" ]; then printf 'ACS_CONNECTION_STRING\\tAccessToKeyVaultDenied\\n'; fi ;;
  *"--method get"*"/functions?"*)
    n=$(count functions)
    if [ "$n" -ge "\${FAKE_LISTED_AFTER:-1}" ]; then printf 'func-x/archiveChunk\\nfunc-x/recordingEventsGrid\\n'; fi ;;
  *"--method put"*)
    body=$(echo "$*" | sed -n 's/.*--body @\\([^ ]*\\).*/\\1/p')
    cp "$body" "$FAKE_DIR/body.json" ;;
  *"--query properties.provisioningState"*) echo Succeeded ;;
  *"/eventSubscriptions?"*)
    printf 'recording-archiver\\t/x/functions/recordingEventsGrid\\t\\n'
    printf 'portal-sub\\t/subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/sites/func-x/functions/recordingEventsGrid\\t\\n'
    printf 'other-app\\t/subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/sites/func-y/functions/f\\t\\n' ;;
esac
exit 0
`;

const APP_ID = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/sites/func-x";
const TOPIC_ID = "/subscriptions/a/resourceGroups/acs-rg/providers/Microsoft.EventGrid/systemTopics/evgt-acs";

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "postdeploy-"));
  writeFileSync(join(dir, "az"), FAKE_AZ);
  writeFileSync(join(dir, "sleep"), "#!/bin/sh\nexit 0\n");
  chmodSync(join(dir, "az"), 0o755);
  chmodSync(join(dir, "sleep"), 0o755);
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function runHook(extra: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string; calls: string[] } {
  const run = spawnSync("sh", [join(repoRoot, "infra", "hooks", "postdeploy.sh")], {
    encoding: "utf8",
    timeout: 60_000,
    env: {
      PATH: `${dir}:${process.env["PATH"] ?? ""}`,
      FAKE_DIR: dir,
      AZURE_FUNCTION_APP_ID: APP_ID,
      AZURE_FUNCTION_APP_HOSTNAME: "func-x.azurewebsites.net",
      EVENTGRID_SYSTEM_TOPIC_ID: TOPIC_ID,
      EVENTGRID_SUBSCRIPTION_NAME: "recording-archiver",
      EVENTGRID_FUNCTION_NAME: "recordingEventsGrid",
      EVENTGRID_DEADLETTER_STORAGE_ID: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/strecarcx",
      EVENTGRID_DEADLETTER_CONTAINER: "eventgrid-deadletter",
      EVENTGRID_MAX_DELIVERY_ATTEMPTS: "30",
      EVENTGRID_EVENT_TTL_MINUTES: "1440",
      ...extra,
    },
  });
  const log = join(dir, "calls.log");
  return { status: run.status, stdout: run.stdout, stderr: run.stderr, calls: existsSync(log) ? readFileSync(log, "utf8").trim().split("\n") : [] };
}

const puts = (calls: string[]): string[] => calls.filter((call) => call.includes("--method put"));

describe("postdeploy hook (infra/hooks/postdeploy.sh) against a fake az", () => {
  it("waits until recordingEventsGrid is listed, then creates the one subscription with one PUT", () => {
    const run = runHook({ FAKE_LISTED_AFTER: "3" });
    expect(run.status, run.stderr).toBe(0);
    expect(run.calls.filter((call) => call.includes("/functions?"))).toHaveLength(3);
    expect(puts(run.calls)).toHaveLength(1);
    expect(puts(run.calls)[0]).toContain(`--url ${TOPIC_ID}/eventSubscriptions/recording-archiver?api-version=2025-02-15`);
    const body = JSON.parse(readFileSync(join(dir, "body.json"), "utf8")) as {
      properties: {
        destination: { endpointType: string; properties: { resourceId: string } };
        filter: { includedEventTypes: string[] };
        retryPolicy: { maxDeliveryAttempts: number; eventTimeToLiveInMinutes: number };
        deadLetterWithResourceIdentity: { identity: { type: string }; deadLetterDestination: { properties: { blobContainerName: string } } };
      };
    };
    expect(body.properties.destination).toMatchObject({ endpointType: "AzureFunction", properties: { resourceId: `${APP_ID}/functions/recordingEventsGrid` } });
    expect(body.properties.filter.includedEventTypes).toEqual(["Microsoft.Communication.RecordingFileStatusUpdated"]);
    expect(body.properties.retryPolicy).toEqual({ maxDeliveryAttempts: 30, eventTimeToLiveInMinutes: 1440 });
    expect(body.properties.deadLetterWithResourceIdentity.identity.type).toBe("SystemAssigned");
    expect(body.properties.deadLetterWithResourceIdentity.deadLetterDestination.properties.blobContainerName).toBe("eventgrid-deadletter");
  });

  it("is idempotent: a second run updates the same subscription (PUT to the same name), nothing else", () => {
    const first = runHook();
    const firstBody = readFileSync(join(dir, "body.json"), "utf8");
    const second = runHook();
    expect(first.status).toBe(0);
    expect(second.status).toBe(0);
    const allPuts = puts(second.calls).map((call) => call.replace(/--body @\S+/, "--body @<file>")); // the log holds both runs
    expect(allPuts).toHaveLength(2);
    expect(allPuts[0]).toBe(allPuts[1]);
    expect(readFileSync(join(dir, "body.json"), "utf8")).toBe(firstBody);
    expect(second.calls.some((call) => call.includes("--method delete"))).toBe(false);
  });

  it("warns about another subscription delivering to the same app (double delivery), not about other apps", () => {
    const run = runHook();
    expect(run.stdout).toContain("other subscriptions on the topic also deliver to this app");
    expect(run.stdout).toContain("  portal-sub");
    expect(run.stdout).not.toContain("other-app");
  });

  it("stops with a clear message when the function is never listed (bounded wait), and creates nothing", () => {
    const run = runHook({ FAKE_LISTED_AFTER: "1000000", POSTDEPLOY_WAIT_SECONDS: "0" });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("function recordingEventsGrid is not listed on the app after 0s");
    expect(run.stderr).toContain("azd hooks run postdeploy");
    expect(puts(run.calls)).toEqual([]);
  });

  it("refreshes unresolved Key Vault references until they resolve and restarts the app once, before subscribing", () => {
    const run = runHook({ FAKE_UNRESOLVED_READS: "2" });
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
    const run = runHook();
    expect(run.status).toBe(0);
    expect(run.calls.some((call) => call.includes("/restart?"))).toBe(false);
    expect(run.calls.some((call) => call.includes("appsettings/refresh"))).toBe(false);
  });

  it("refuses to run without the template's outputs, naming the missing one", () => {
    const run = runHook({ EVENTGRID_SYSTEM_TOPIC_ID: "" });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("EVENTGRID_SYSTEM_TOPIC_ID is not set");
  });
});

describe("predown hook (infra/hooks/predown.sh) against a fake az", () => {
  function runPredown(env: Record<string, string>): { status: number | null; stdout: string; calls: string[] } {
    const run = spawnSync("sh", [join(repoRoot, "infra", "hooks", "predown.sh")], {
      encoding: "utf8",
      timeout: 60_000,
      env: { PATH: `${dir}:${process.env["PATH"] ?? ""}`, FAKE_DIR: dir, ...env },
    });
    const log = join(dir, "calls.log");
    return { status: run.status, stdout: run.stdout, calls: existsSync(log) ? readFileSync(log, "utf8").trim().split("\n") : [] };
  }

  it("deletes the environment's Event Grid subscription (and nothing else) before azd down", () => {
    const run = runPredown({ EVENTGRID_SYSTEM_TOPIC_ID: TOPIC_ID, EVENTGRID_SUBSCRIPTION_NAME: "recording-archiver" });
    expect(run.status).toBe(0);
    const deletes = run.calls.filter((call) => call.includes("--method delete"));
    expect(deletes).toEqual([`rest --method delete --url ${TOPIC_ID}/eventSubscriptions/recording-archiver?api-version=2025-02-15 -o none --only-show-errors`]);
  });

  it("does nothing when the environment never recorded a subscription", () => {
    const run = runPredown({});
    expect(run.status).toBe(0);
    expect(run.stdout).toContain("nothing to delete");
    expect(run.calls).toEqual([]);
  });
});
