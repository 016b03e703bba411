import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BlobServiceClient } from "@azure/storage-blob";
import { afterAll, beforeAll, inject } from "vitest";
import { startAcsSimulator, type AcsSimulator, type StartAcsSimulatorOptions } from "../../tools/acsSimulator";
import { ensureCompiledCli } from "./compiledCli";
import { simSettings } from "./testSettings";

/** What an integration file that archives through the simulator into the tier's Azurite sets up once. */
export interface SimAndAzurite {
  readonly sim: AcsSimulator;
  /** The integration tier's Azurite (its connection string). */
  readonly azurite: string;
  readonly blobs: BlobServiceClient;
  /** A work directory of the file's own (event files, exports), removed by close(). */
  readonly workDir: string;
  /** The app settings pointing at both (simSettings), with the file's overrides. */
  settings(overrides?: Record<string, string>): Record<string, string>;
  close(): Promise<void>;
}

/** Starts the ACS simulator, makes a work directory and a Blob client of the tier's Azurite; close() undoes it. */
async function startSimAndAzurite(
  options: { workDirPrefix?: string; simulator?: StartAcsSimulatorOptions } = {},
): Promise<SimAndAzurite> {
  const sim = await startAcsSimulator(options.simulator);
  const azurite = inject("azuriteConnectionString");
  const workDir = mkdtempSync(join(tmpdir(), options.workDirPrefix ?? "sim-azurite-"));
  return {
    sim,
    azurite,
    blobs: BlobServiceClient.fromConnectionString(azurite),
    workDir,
    settings: (overrides) => simSettings(sim, overrides),
    close: async () => {
      await sim.close();
      rmSync(workDir, { recursive: true, force: true });
    },
  };
}

/**
 * The file's set-up, once for all its tests: registers beforeAll (the simulator, the work directory; the compiled CLI
 * built first when `compiledCli`) and afterAll (closed). Read its fields inside tests and hooks.
 */
export function useSimAndAzurite(
  options: { workDirPrefix?: string; simulator?: StartAcsSimulatorOptions; compiledCli?: boolean } = {},
): SimAndAzurite {
  let current: SimAndAzurite | undefined;
  beforeAll(async () => {
    if (options.compiledCli) ensureCompiledCli();
    current = await startSimAndAzurite(options);
  }, 120_000);
  afterAll(() => current?.close());
  const started = (): SimAndAzurite => {
    if (!current)
      throw new Error("The simulator and Azurite set-up starts in beforeAll: read it inside a test or a hook.");
    return current;
  };
  return {
    get sim() {
      return started().sim;
    },
    get azurite() {
      return started().azurite;
    },
    get blobs() {
      return started().blobs;
    },
    get workDir() {
      return started().workDir;
    },
    settings: (overrides) => started().settings(overrides),
    close: () => started().close(),
  };
}
