import { DEFAULT_TOPIC, type AcsSimulator } from "../acsSimulator";
import type { SoakOptions } from "./soakOptions";

/**
 * The app settings of the run, as a Functions app would have them: Azurite as AzureWebJobsStorage, the
 * simulator as the ACS resource (its hosts allowlisted, its topic the one allowed event source), and the
 * download and memory knobs. Queue and container names are the app's defaults.
 */
export function appSettings(
  storage: string,
  sim: AcsSimulator,
  options: Pick<SoakOptions, "blockSize" | "concurrency" | "deleteAfterArchive" | "memoryBudget">,
): Record<string, string> {
  return {
    FUNCTIONS_WORKER_RUNTIME: "node",
    AzureWebJobsStorage: storage,
    ACS_CONNECTION_STRING: sim.connectionString,
    ALLOWED_DOWNLOAD_HOSTS: sim.allowedHosts.join(","),
    ALLOWED_ACS_RESOURCES: DEFAULT_TOPIC,
    DOWNLOAD_BLOCK_SIZE: String(options.blockSize),
    DOWNLOAD_CONCURRENCY: String(options.concurrency),
    DELETE_AFTER_ARCHIVE: String(options.deleteAfterArchive),
    ...(options.memoryBudget === undefined ? {} : { ARCHIVE_MEMORY_BUDGET: String(options.memoryBudget) }),
  };
}
