import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./freePort";

/** Well-known Azurite development account (public, documented; not a secret). */
const AZURITE_ACCOUNT = "devstoreaccount1";
export const AZURITE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

export interface AzuriteOptions {
  /** Folder for Azurite's data; when omitted, data is kept in memory. */
  location?: string;
  /** Fixed ports (npm start uses the well-known ones); free ports are picked when omitted. */
  blobPort?: number;
  queuePort?: number;
  tablePort?: number;
  /** Forward Azurite's own output to this process's stderr. */
  verbose?: boolean;
}

export interface RunningAzurite {
  blobPort: number;
  queuePort: number;
  tablePort: number;
  /** Explicit connection string for these ports (UseDevelopmentStorage=true only works on the default ports). */
  connectionString: string;
  /** Azurite's process id (the benchmarks read its CPU time). */
  pid: number | undefined;
  stop(): Promise<void>;
}

export function azuriteConnectionString(blobPort: number, queuePort: number, tablePort: number): string {
  return (
    [
      "DefaultEndpointsProtocol=http",
      `AccountName=${AZURITE_ACCOUNT}`,
      `AccountKey=${AZURITE_KEY}`,
      `BlobEndpoint=http://127.0.0.1:${blobPort}/${AZURITE_ACCOUNT}`,
      `QueueEndpoint=http://127.0.0.1:${queuePort}/${AZURITE_ACCOUNT}`,
      `TableEndpoint=http://127.0.0.1:${tablePort}/${AZURITE_ACCOUNT}`,
    ].join(";") + ";"
  );
}

/**
 * Starts Azurite (blob, queue, table) as a child process and waits until every service listens. Free ports
 * are picked, then bound by the child: on a busy machine another process may take one in between, so an
 * EADDRINUSE start is tried again with new ports (when the ports were not fixed by the caller).
 */
export async function startAzurite(options: AzuriteOptions = {}): Promise<RunningAzurite> {
  const fixedPorts =
    options.blobPort !== undefined || options.queuePort !== undefined || options.tablePort !== undefined;
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options);
    } catch (error) {
      if (fixedPorts || attempt >= 3 || !(error instanceof Error) || !error.message.includes("EADDRINUSE")) throw error;
    }
  }
}

async function startOnce(options: AzuriteOptions): Promise<RunningAzurite> {
  const blobPort = options.blobPort ?? (await freePort());
  const queuePort = options.queuePort ?? (await freePort());
  const tablePort = options.tablePort ?? (await freePort());
  const scratch = options.location ? undefined : mkdtempSync(join(tmpdir(), "azurite-"));
  const args = [
    require.resolve("azurite/dist/src/azurite.js"),
    "--blobHost",
    "127.0.0.1",
    "--blobPort",
    String(blobPort),
    "--queueHost",
    "127.0.0.1",
    "--queuePort",
    String(queuePort),
    "--tableHost",
    "127.0.0.1",
    "--tablePort",
    String(tablePort),
    "--skipApiVersionCheck",
    "--loose",
    "--disableTelemetry",
  ];
  if (options.location) args.push("--location", options.location);
  else args.push("--inMemoryPersistence");

  const child = spawn(process.execPath, args, {
    cwd: options.location ?? scratch,
    stdio: ["ignore", "pipe", "pipe"],
  });
  try {
    await waitForListening(child, options.verbose === true);
  } catch (error) {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
    throw error;
  }
  let stopped = false;
  return {
    blobPort,
    queuePort,
    tablePort,
    connectionString: azuriteConnectionString(blobPort, queuePort, tablePort),
    pid: child.pid,
    async stop() {
      if (stopped) return;
      stopped = true;
      await stopChild(child);
      if (scratch) rmSync(scratch, { recursive: true, force: true });
    },
  };
}

function waitForListening(child: ChildProcess, verbose: boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = "";
    let settled = false;
    const services = new Set<string>();
    const timer = setTimeout(() => fail(new Error(`Azurite did not start within 30 s:\n${output}`)), 30_000);
    const fail = (error: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill("SIGKILL");
      reject(error);
    };
    const onData = (chunk: Buffer): void => {
      const text = chunk.toString("utf8");
      if (verbose) process.stderr.write(text);
      output += text;
      for (const match of output.matchAll(/Azurite (Blob|Queue|Table) service is successfully listening/g)) {
        services.add(match[1] as string);
      }
      if (services.size === 3 && !settled) {
        settled = true;
        clearTimeout(timer);
        if (!verbose) {
          child.stdout?.resume();
          child.stderr?.resume();
        }
        resolve();
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", (code) => fail(new Error(`Azurite exited with code ${code}:\n${output}`)));
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}
