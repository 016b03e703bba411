// Integration tier. Needs: dist/, loopback servers.
import { execFileSync } from "node:child_process";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { closedStorageConnectionString } from "../support/storageProbe";
import { TEST_ACS_CONNECTION_STRING, TEST_ACS_RESOURCE } from "../support/testSettings";

const root = resolve(__dirname, "..", "..");

/**
 * In a fresh process (as the worker starts): loads the compiled app through tools/functionsHost.ts, optionally runs
 * one function, and lists the npm packages that got loaded. Needs dist/ (npm test builds it first).
 */
function packagesLoaded(
  afterLoad = "",
  storage = "UseDevelopmentStorage=true",
): { functions: string[]; packages: string[] } {
  const script = `
    const { loadCompiledApp } = require(${JSON.stringify(join(root, "dist", "tools", "functionsHost.js"))});
    // What the stand-in host itself loads (its glob library) is not the app's doing.
    const host = new Set(Object.keys(require.cache));
    const functions = loadCompiledApp(${JSON.stringify(root)});
    const done = () => {
      const packages = new Set(Object.keys(require.cache).filter((file) => file.includes("node_modules") && !host.has(file))
        .map((file) => file.split("node_modules/").pop().split("/"))
        .map(([first, second]) => (first.startsWith("@") ? first + "/" + second : first)));
      process.stdout.write(JSON.stringify({ functions: functions.map((fn) => fn.metadata.name), packages: [...packages].sort() }));
    };
    Promise.resolve((async () => { ${afterLoad} })()).then(done);
  `;
  const settings = {
    AzureWebJobsStorage: storage,
    ACS_CONNECTION_STRING: TEST_ACS_CONNECTION_STRING,
    ALLOWED_ACS_RESOURCES: TEST_ACS_RESOURCE,
  };
  return JSON.parse(
    execFileSync(process.execPath, ["-e", script], {
      cwd: root,
      env: { ...process.env, ...settings },
      encoding: "utf8",
    }),
  ) as {
    functions: string[];
    packages: string[];
  };
}

const AZURE_FUNCTIONS_ITSELF = ["@azure/functions", "@azure/functions-extensions-base", "cookie"];

describe("cold start: loading the app loads no Azure SDK but @azure/functions (README: startup benchmark)", () => {
  it("registers every function having loaded only @azure/functions and its own dependencies", () => {
    const { functions, packages } = packagesLoaded();
    expect(functions.length).toBeGreaterThanOrEqual(10);
    expect(packages).toEqual(AZURE_FUNCTIONS_ITSELF);
  });

  it("answers the webhook's validation handshake without loading the storage SDKs", () => {
    const { packages } = packagesLoaded(`
      const { HttpRequest, InvocationContext } = require("@azure/functions");
      const webhook = functions.find((fn) => fn.metadata.name === "recordingEventsWebhook");
      const body = JSON.stringify([{ id: "1", eventType: "Microsoft.EventGrid.SubscriptionValidationEvent", subject: "", eventTime: new Date().toISOString(), dataVersion: "1", data: { validationCode: "abc" } }]);
      const answer = await webhook.handler(new HttpRequest({ method: "POST", url: "http://localhost/api/recording-events", headers: { "content-type": "application/json", "aeg-event-type": "SubscriptionValidation" }, body: { string: body } }), new InvocationContext({ logHandler: () => undefined }));
      if (answer.status !== 200) throw new Error("handshake answered " + answer.status);
    `);
    expect(packages).toEqual(AZURE_FUNCTIONS_ITSELF);
  });

  it("loads the Call Automation SDK for the control API only: a webhook delivery does not load it", async () => {
    const down = await closedStorageConnectionString();
    const { packages } = packagesLoaded(
      `
      const { HttpRequest, InvocationContext } = require("@azure/functions");
      const webhook = functions.find((fn) => fn.metadata.name === "recordingEventsWebhook");
      // Storage is down here: the empty batch cannot be quarantined (400 all the same), after the intake was built.
      await webhook.handler(new HttpRequest({ method: "POST", url: "http://localhost/api/recording-events", headers: { "content-type": "application/json" }, body: { string: "[]" } }), new InvocationContext({ logHandler: () => undefined }));
    `,
      down,
    );
    expect(packages).toEqual(expect.arrayContaining(["@azure/storage-blob", "@azure/storage-queue"]));
    expect(packages).not.toContain("@azure/communication-call-automation");
    expect(packages).not.toContain("@azure/identity");
  });
});
