import { fork, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import type { DequeuedMessageItem, QueueClient } from "@azure/storage-queue";
import { isRecord } from "../src/shared/untrustedJson";
import { decodeLikeQueueTrigger } from "../tools/soak/hostDecoding";
import type { InvokeRequest } from "../tools/soak/workerProtocol";
import type { QueueWorkerMessage } from "./queueWorkerProtocol";

/** `host.json` `extensions.queues`, the parts a listener honours. */
export interface QueueListenerSettings {
  readonly batchSize: number;
  readonly newBatchThreshold: number;
  readonly maxDequeueCount: number;
  /** Seconds before a failed message is visible again. */
  readonly visibilityTimeoutSeconds: number;
  readonly maxPollingIntervalMs: number;
}

interface ProcessUsage {
  readonly cpuMicros: number;
  readonly maxRssBytes: number;
  /** `process.memoryUsage()` now: RSS, V8 heap, external and ArrayBuffer memory. */
  readonly memory: NodeJS.MemoryUsage;
}

type Result = Extract<QueueWorkerMessage, { type: "result" }>;

/** One benchmark worker process (queueWorker.ts): the Node.js worker of one instance. */
export class QueueWorkerProcess {
  private readonly pending = new Map<number, (result: Result) => void>();
  private usageWaiters: ((usage: ProcessUsage) => void)[] = [];
  private nextId = 1;
  readonly errors: string[] = [];

  private constructor(private readonly child: ChildProcess) {
    child.on("message", (message: QueueWorkerMessage) => {
      if (message.type === "result") {
        this.pending.get(message.id)?.(message);
        this.pending.delete(message.id);
      } else if (message.type === "usage") {
        for (const waiter of this.usageWaiters.splice(0)) waiter(message);
      } else if (message.type === "log" && this.errors.length < 20) {
        this.errors.push(message.text.slice(0, 300));
      }
    });
    child.once("exit", (code, signal) => {
      for (const [id, finish] of this.pending)
        finish({
          type: "result",
          id,
          ok: false,
          error: `worker exited (${code ?? signal})`,
          ms: 0,
          cpuMicros: 0,
          maxRssBytes: 0,
        });
      this.pending.clear();
    });
  }

  /** Starts the worker with `settings` as its environment (app settings); resolves once it has loaded its handler. */
  static start(
    handler: "app" | "peers",
    settings: Record<string, string>,
    appRoot?: string,
  ): Promise<QueueWorkerProcess> {
    const child = fork(join(__dirname, "queueWorker.js"), [], {
      env: { ...process.env, ...settings, BENCH_HANDLER: handler, ...(appRoot ? { BENCH_APP_ROOT: appRoot } : {}) },
      execArgv: process.env["BENCH_WORKER_EXEC_ARGV"]?.split(" ").filter(Boolean) ?? [],
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    return new Promise((resolve, reject) => {
      child.once("message", (message: QueueWorkerMessage) => {
        if (message.type === "ready") resolve(new QueueWorkerProcess(child));
        else
          reject(
            new Error(
              `the benchmark worker could not start: ${message.type === "fatal" ? message.error : message.type}`,
            ),
          );
      });
      child.once("exit", (code) => reject(new Error(`the benchmark worker exited (${code}) before it was ready`)));
    });
  }

  invoke(input: unknown, triggerMetadata: Record<string, unknown>): Promise<Result> {
    const id = this.nextId++;
    const request: InvokeRequest = { type: "invoke", id, input, triggerMetadata };
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.child.send(request);
    });
  }

  usage(): Promise<ProcessUsage> {
    return new Promise((resolve) => {
      this.usageWaiters.push(resolve);
      this.child.send({ type: "usage" });
    });
  }

  stop(): Promise<void> {
    return new Promise((resolve) => {
      if (this.child.exitCode !== null || this.child.signalCode !== null) return resolve();
      this.child.once("exit", () => resolve());
      this.child.disconnect();
    });
  }
}

export interface DrainReport {
  readonly completed: number;
  readonly failedDeliveries: number;
  readonly poisoned: number;
  /** Most invocations running at once. */
  readonly peakInFlight: number;
  readonly seconds: number;
  readonly errors: readonly string[];
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The lock the host takes on a message it runs (renewed while the function runs; a benchmark run is shorter). */
const LOCK_SECONDS = 600;

/**
 * The Functions queue listener of one instance, as host.json configures it: it receives a batch of `batchSize`
 * messages, runs them all at once on the worker, and receives the next batch as soon as the number still running
 * drops to `newBatchThreshold` (so at most batchSize + newBatchThreshold run at once). An empty queue is polled
 * again after a growing pause, up to `maxPollingInterval`. Success deletes the message; failure makes it visible
 * again after `visibilityTimeout`, and the last failed delivery moves it to `<queue>-poison`.
 */
export async function drainQueue(
  queue: QueueClient,
  poison: QueueClient,
  worker: QueueWorkerProcess,
  settings: QueueListenerSettings,
  expected: number,
): Promise<DrainReport> {
  const started = process.hrtime.bigint();
  const running = new Set<Promise<void>>();
  let completed = 0;
  let failedDeliveries = 0;
  let poisoned = 0;
  let peakInFlight = 0;
  let idle = 50;
  let wake: (() => void) | undefined;
  const errors: string[] = [];
  const run = async (item: DequeuedMessageItem): Promise<void> => {
    let input: unknown;
    try {
      input = decodeLikeQueueTrigger(item.messageText);
    } catch (error) {
      input = undefined;
      errors.push(`undecodable message: ${error instanceof Error ? error.message : String(error)}`);
    }
    const result = await worker.invoke(input, {
      id: item.messageId,
      dequeueCount: item.dequeueCount,
      popReceipt: item.popReceipt,
    });
    if (result.ok) {
      await queue.deleteMessage(item.messageId, item.popReceipt);
      completed += 1;
      return;
    }
    if (errors.length < 20) errors.push(result.error ?? "failed");
    if (item.dequeueCount >= settings.maxDequeueCount) {
      await poison.sendMessage(item.messageText);
      await queue.deleteMessage(item.messageId, item.popReceipt);
      poisoned += 1;
    } else {
      await queue.updateMessage(item.messageId, item.popReceipt, undefined, settings.visibilityTimeoutSeconds);
      failedDeliveries += 1;
    }
  };
  while (completed + poisoned < expected) {
    if (running.size > settings.newBatchThreshold) {
      await new Promise<void>((resolve) => (wake = resolve));
      continue;
    }
    const batch = await queue.receiveMessages({
      numberOfMessages: settings.batchSize,
      visibilityTimeout: LOCK_SECONDS,
    });
    if (batch.receivedMessageItems.length === 0) {
      await Promise.race([sleep(idle), new Promise<void>((resolve) => (wake = resolve))]);
      idle = Math.min(settings.maxPollingIntervalMs, idle * 2);
      continue;
    }
    idle = 50;
    for (const item of batch.receivedMessageItems) {
      const work = run(item).catch((error: unknown) => {
        if (errors.length < 20) errors.push(error instanceof Error ? error.message : String(error));
      });
      running.add(work);
      void work.finally(() => {
        running.delete(work);
        wake?.();
      });
    }
    peakInFlight = Math.max(peakInFlight, running.size);
  }
  await Promise.all(running);
  return {
    completed,
    failedDeliveries,
    poisoned,
    peakInFlight,
    seconds: Number(process.hrtime.bigint() - started) / 1e9,
    errors: [...errors, ...worker.errors],
  };
}

/** `extensions.queues` of a host.json text, with the host's defaults for what it leaves out. */
export function queueListenerSettings(hostJson: string): QueueListenerSettings {
  const parsed: unknown = JSON.parse(hostJson);
  const extensions = isRecord(parsed) && isRecord(parsed["extensions"]) ? parsed["extensions"] : {};
  const queues = isRecord(extensions["queues"]) ? extensions["queues"] : {};
  const number = (key: string, fallback: number): number => (typeof queues[key] === "number" ? queues[key] : fallback);
  const batchSize = number("batchSize", 16);
  return {
    batchSize,
    newBatchThreshold: number("newBatchThreshold", Math.floor(batchSize / 2)),
    maxDequeueCount: number("maxDequeueCount", 5),
    visibilityTimeoutSeconds: timeSpanSeconds(queues["visibilityTimeout"], 0),
    maxPollingIntervalMs: timeSpanSeconds(queues["maxPollingInterval"], 60) * 1000,
  };
}

/** `hh:mm:ss` as host.json writes time spans. */
function timeSpanSeconds(value: unknown, fallback: number): number {
  const parts = typeof value === "string" ? /^(\d+):(\d{2}):(\d{2})$/.exec(value) : null;
  return parts ? Number(parts[1]) * 3600 + Number(parts[2]) * 60 + Number(parts[3]) : fallback;
}
