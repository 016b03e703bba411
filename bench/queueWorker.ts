/**
 * A stand-in for the Functions Node.js worker in the queue benchmarks: a process of its own (so its CPU time and
 * peak RSS are its own) that runs one queue handler for every message the listener sends. `BENCH_HANDLER=app`
 * loads the compiled app from `BENCH_APP_ROOT` (default: this checkout) as the worker does and runs its registered
 * `archiveChunk`; `BENCH_HANDLER=peers` runs what the public samples do: one signed GET of the chunk piped into
 * `BlockBlobClient.uploadStream(stream, 8 MiB, 5)`. Settings come from the environment, as app settings do.
 */
import { InvocationContext } from "@azure/functions";
import { BlobServiceClient } from "@azure/storage-blob";
import { AcsClients } from "../src/acs/acsClients";
import { parseConfig } from "../src/config/appConfig";
import { isRecord } from "../src/shared/untrustedJson";
import { loadCompiledApp } from "../tools/functionsHost";
import { repoRoot } from "../tools/soak/repoRoot";
import { isInvokeRequest, type InvokeRequest } from "../tools/soak/workerProtocol";
import type { QueueWorkerMessage } from "./queueWorkerProtocol";

type QueueHandler = (input: unknown, context: InvocationContext) => Promise<unknown>;

function send(message: QueueWorkerMessage): void {
  process.send?.(message);
}

function usage(): { cpuMicros: number; maxRssBytes: number; memory: NodeJS.MemoryUsage } {
  const cpu = process.cpuUsage();
  return {
    cpuMicros: cpu.user + cpu.system,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    memory: process.memoryUsage(),
  };
}

function appHandler(): QueueHandler {
  const fn = loadCompiledApp(process.env["BENCH_APP_ROOT"] || repoRoot()).find(
    (candidate) => candidate.metadata.name === "archiveChunk",
  );
  if (!fn) throw new Error("the compiled app registers no archiveChunk function");
  return (input, context) => Promise.resolve(fn.handler(input, context));
}

/** The peers' approach, with our signing client (what the large-chunk benchmark calls the baseline). */
function peersHandler(): QueueHandler {
  const config = parseConfig(process.env);
  const clients = new AcsClients(config.acsResources, config.downloadHosts);
  if (config.recordingsStorage.kind !== "connectionString")
    throw new Error("the peers' handler needs a storage connection string");
  const container = BlobServiceClient.fromConnectionString(
    config.recordingsStorage.connectionString,
  ).getContainerClient(config.recordingsContainer);
  const created = container.createIfNotExists();
  return async (input) => {
    const message = isRecord(input) ? input : {};
    const url = typeof message["contentLocation"] === "string" ? message["contentLocation"] : "";
    const acs = clients.forResource(typeof message["resource"] === "string" ? message["resource"] : "", console);
    await created;
    const response = await acs.get(url, { field: "contentLocation" });
    if (!response.body) throw new Error(`GET answered ${response.status} without a body`);
    await container
      .getBlockBlobClient(`peers/${String(message["documentId"])}`)
      .uploadStream(response.body as never, 8 * 1024 * 1024, 5);
  };
}

async function invoke(handler: QueueHandler, request: InvokeRequest): Promise<void> {
  const started = Date.now();
  const context = new InvocationContext({
    functionName: "archiveChunk",
    invocationId: `bench-${process.pid}-${request.id}`,
    triggerMetadata: request.triggerMetadata,
    logHandler: (level, ...args) => {
      if (level === "error") send({ type: "log", id: request.id, level, text: args.map(String).join(" ") });
    },
  });
  try {
    await handler(request.input, context);
    send({ type: "result", id: request.id, ok: true, ms: Date.now() - started, ...usage() });
  } catch (error) {
    send({
      type: "result",
      id: request.id,
      ok: false,
      error: error instanceof Error ? error.message : String(error),
      ms: Date.now() - started,
      ...usage(),
    });
  }
}

function main(): void {
  if (!process.send) throw new Error("queueWorker runs as a forked child with an IPC channel.");
  let handler: QueueHandler;
  try {
    handler = process.env["BENCH_HANDLER"] === "peers" ? peersHandler() : appHandler();
  } catch (error) {
    send({ type: "fatal", error: error instanceof Error ? error.message : String(error) });
    process.disconnect();
    return;
  }
  send({ type: "ready", ...usage() });
  process.on("message", (message: unknown) => {
    if (isInvokeRequest(message)) void invoke(handler, message);
    else if (isRecord(message) && message["type"] === "usage") send({ type: "usage", ...usage() });
  });
  process.on("disconnect", () => process.exit(0));
}

main();
