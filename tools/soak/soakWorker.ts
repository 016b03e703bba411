import { InvocationContext } from "@azure/functions";
import { inspect } from "node:util";
import { loadCompiledApp, type RegisteredFunction } from "../functionsHost";
import { isInvokeRequest, type InvokeRequest, type WorkerMessage } from "./workerProtocol";

/**
 * A soak worker process: a stand-in for the Functions Node.js worker. It loads the compiled app (settings come
 * from the environment), finds the registered `archiveChunk` queue trigger, and runs it for each message the
 * parent sends, with an InvocationContext carrying the trigger metadata (dequeueCount) the host would pass.
 * The parent may SIGKILL it at any moment.
 */
function send(message: WorkerMessage): void {
  process.send?.(message);
}

function text(args: readonly unknown[]): string {
  return args
    .map((arg) => (typeof arg === "string" ? arg : inspect(arg, { depth: 3, breakLength: Infinity })))
    .join(" ");
}

/** Peak resident set size of this process so far (bytes). */
function maxRss(): number {
  return process.resourceUsage().maxRSS * 1024;
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

async function invoke(fn: RegisteredFunction, request: InvokeRequest): Promise<void> {
  const started = Date.now();
  const context = new InvocationContext({
    functionName: fn.metadata.name,
    invocationId: `soak-${process.pid}-${request.id}`,
    triggerMetadata: request.triggerMetadata,
    logHandler: (level, ...args) => send({ type: "log", id: request.id, level, text: text(args) }),
  });
  try {
    await fn.handler(request.input, context);
    send({ type: "result", id: request.id, ok: true, ms: Date.now() - started, maxRssBytes: maxRss() });
  } catch (error) {
    send({
      type: "result",
      id: request.id,
      ok: false,
      error: describe(error),
      ms: Date.now() - started,
      maxRssBytes: maxRss(),
    });
  }
}

function main(): void {
  if (!process.send) throw new Error("soakWorker runs as a forked child with an IPC channel.");
  let archive: RegisteredFunction | undefined;
  try {
    archive = loadCompiledApp().find((fn) => fn.metadata.name === "archiveChunk");
    if (!archive) throw new Error("the compiled app registers no archiveChunk function");
  } catch (error) {
    send({ type: "fatal", error: describe(error) });
    process.exitCode = 1;
    process.disconnect();
    return;
  }
  const fn = archive;
  const trigger = Object.values(fn.metadata.bindings).find((binding) => binding.direction === "in");
  const text = (value: unknown): string => (typeof value === "string" ? value : "");
  send({ type: "ready", queueName: text(trigger?.["queueName"]), connection: text(trigger?.["connection"]) });
  process.on("message", (message: unknown) => {
    if (isInvokeRequest(message)) void invoke(fn, message);
  });
  process.on("disconnect", () => process.exit(0));
}

main();
