import type { TestProject } from "vitest/node";
import { startAzurite } from "../../tools/azurite";

/**
 * Starts one Azurite (in memory, free ports) for the whole run. Test files that need it read the
 * connection string with `inject("azuriteConnectionString")` and use their own queue/container names.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const azurite = await startAzurite();
  project.provide("azuriteConnectionString", azurite.connectionString);
  return () => azurite.stop();
}
