import { resolve } from "node:path";
import type { TestProject } from "vitest/node";
import { startAzurite } from "../../tools/azurite";
import { ensureCompiledApp } from "./compiledAppBuild";

/**
 * The integration tier's setup. Builds dist/ when it does not match the sources (these tests load the compiled
 * app as the Functions worker does, and run the compiled CLIs), so `npx vitest` never tests stale code. Then
 * starts one Azurite (in memory, free ports) for the whole run: test files that need it read the connection
 * string with `inject("azuriteConnectionString")` and use their own queue/container names.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  ensureCompiledApp(resolve(__dirname, "..", ".."), (line) => console.warn(line));
  const azurite = await startAzurite();
  project.provide("azuriteConnectionString", azurite.connectionString);
  return () => azurite.stop();
}
