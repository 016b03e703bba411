import { InvocationContext } from "@azure/functions";
import { inject } from "vitest";
import type { AcsSimulator } from "../../tools/acsSimulator";

/** A syntactically valid ACS connection string for a resource nobody can reach (intake never calls it). */
/** The access key of TEST_ACS_CONNECTION_STRING (base64), for tests that sign or look for it in logs. */
export const TEST_ACS_ACCESS_KEY = Buffer.alloc(32, 7).toString("base64");
export const TEST_ACS_CONNECTION_STRING = `endpoint=https://contoso-test.communication.azure.com/;accesskey=${TEST_ACS_ACCESS_KEY}`;

export const TEST_ACS_RESOURCE =
  "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/recordings-rg/providers/Microsoft.Communication/communicationServices/contoso-acs";

let sequence = 0;
/** A fresh, valid storage name for one test (queues and containers share one Azurite). */
export function uniqueName(prefix: string): string {
  sequence += 1;
  return `${prefix}-${process.pid}-${sequence}-${Math.random().toString(36).slice(2, 8)}`.toLowerCase().slice(0, 63);
}

export interface CapturedLog {
  readonly level: string;
  readonly message: string;
}

/** An InvocationContext whose log lines are captured (for assertions on errors and on secrets). */
export function capturingContext(functionName = "test"): { context: InvocationContext; logs: CapturedLog[] } {
  const logs: CapturedLog[] = [];
  const context = new InvocationContext({
    functionName,
    invocationId: `inv-${Date.now()}`,
    logHandler: (level, ...args) => logs.push({ level, message: args.map(String).join(" ") }),
  });
  return { context, logs };
}

/**
 * The app settings of an integration test: the ACS simulator as the ACS resource (its connection string, its hosts as
 * the allowed download hosts) and the integration tier's Azurite as AzureWebJobsStorage. `overrides` add settings or
 * replace these (e.g. another AzureWebJobsStorage).
 */
export function simSettings(
  sim: Pick<AcsSimulator, "connectionString" | "allowedHosts">,
  overrides: Record<string, string> = {},
): Record<string, string> {
  return {
    AzureWebJobsStorage: inject("azuriteConnectionString"),
    ACS_CONNECTION_STRING: sim.connectionString,
    ALLOWED_DOWNLOAD_HOSTS: sim.allowedHosts.join(","),
    ...overrides,
  };
}
