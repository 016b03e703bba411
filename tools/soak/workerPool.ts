import { fork, type ChildProcess } from "node:child_process";
import { isWorkerMessage, type InvokeRequest, type WorkerMessage } from "./workerProtocol";
import type { Invocation, InvocationOutcome, PoolStats, WorkerPoolOptions } from "./workerTypes";

export type { Invocation, InvocationOutcome, PoolStats, WorkerPoolOptions } from "./workerTypes";

interface Worker {
  readonly id: number;
  readonly child: ChildProcess;
  readonly running: Map<
    number,
    { started: number; dequeueCount: number; finish: (outcome: InvocationOutcome) => void }
  >;
  ready: boolean;
  killedByUs: boolean;
}

/**
 * Worker processes that run the compiled archiveChunk function, `invocationsPerWorker` at a time each. A worker
 * that is killed (or dies) fails every invocation it was running and is replaced by a fresh process.
 */
export class WorkerPool {
  readonly stats: PoolStats = { spawned: 0, kills: 0, invocationsKilled: 0, unexpectedExits: 0, workerPeakRssBytes: 0 };
  private readonly workers: Worker[] = [];
  private nextWorkerId = 1;
  private nextInvocationId = 1;
  private closing = false;
  private readonly lastLines = new Map<number, string>();
  private slotWaiters: (() => void)[] = [];
  private binding: { queueName: string; connection: string } | undefined;

  constructor(private readonly options: WorkerPoolOptions) {}

  /** Starts the workers; resolves with the queue trigger binding the app registered. */
  async start(): Promise<{ queueName: string; connection: string }> {
    const first = Array.from({ length: this.options.workers }, () => this.spawn());
    await Promise.all(first);
    if (!this.binding) throw new Error("no worker reported the queue binding");
    return this.binding;
  }

  freeSlots(): number {
    return this.workers
      .filter((worker) => worker.ready)
      .reduce((free, worker) => free + this.options.invocationsPerWorker - worker.running.size, 0);
  }

  /** Runs the function once on the least busy ready worker, waiting for a free slot first. */
  async invoke(
    input: unknown,
    triggerMetadata: Record<string, unknown> & { dequeueCount: number },
  ): Promise<Invocation> {
    for (;;) {
      if (this.closing) throw new Error("the worker pool is closed");
      const worker = this.workers
        .filter((candidate) => candidate.ready && candidate.running.size < this.options.invocationsPerWorker)
        .sort((a, b) => a.running.size - b.running.size)[0];
      if (worker) return this.dispatchTo(worker, input, triggerMetadata);
      await new Promise<void>((resolve) => this.slotWaiters.push(resolve));
    }
  }

  private dispatchTo(
    worker: Worker,
    input: unknown,
    triggerMetadata: Record<string, unknown> & { dequeueCount: number },
  ): Invocation {
    const id = this.nextInvocationId++;
    const outcome = new Promise<InvocationOutcome>((resolve) => {
      worker.running.set(id, { started: Date.now(), dequeueCount: triggerMetadata.dequeueCount, finish: resolve });
    });
    const request: InvokeRequest = { type: "invoke", id, input, triggerMetadata };
    // A send to a worker that just died fails quietly: its exit fails the invocation.
    worker.child.send(request, (error) => error && undefined);
    return { workerId: worker.id, id, outcome };
  }

  /** Wakes invocations waiting for a slot (a worker got ready, or an invocation ended). */
  private slotsChanged(): void {
    for (const wake of this.slotWaiters.splice(0)) wake();
  }

  /** Whether every invocation on the worker is at or below this dequeue count (so killing it spares late deliveries). */
  onlyEarlyDeliveries(workerId: number, maxDequeueCount: number): boolean {
    const worker = this.workers.find((candidate) => candidate.id === workerId);
    return worker !== undefined && [...worker.running.values()].every((entry) => entry.dequeueCount <= maxDequeueCount);
  }

  isRunning(workerId: number, invocationId: number): boolean {
    return this.workers.some((worker) => worker.id === workerId && worker.running.has(invocationId));
  }

  /** The last line an invocation logged (for the report on a hung invocation). */
  lastLine(invocationId: number): string | undefined {
    return this.lastLines.get(invocationId);
  }

  /** SIGKILLs a worker process (every invocation it runs fails); a new one takes its place. Hang kills are not counted as soak kills. */
  kill(workerId: number, why: "soak" | "hang" = "soak"): void {
    const worker = this.workers.find((candidate) => candidate.id === workerId);
    if (!worker || worker.killedByUs) return;
    worker.killedByUs = true;
    if (why === "soak") {
      this.stats.kills += 1;
      this.stats.invocationsKilled += worker.running.size;
    }
    worker.child.kill("SIGKILL");
  }

  async close(): Promise<void> {
    this.closing = true;
    this.slotsChanged();
    await Promise.all(
      this.workers.map(
        (worker) =>
          new Promise<void>((resolve) => {
            if (worker.child.exitCode !== null || worker.child.signalCode !== null) return resolve();
            worker.child.once("exit", () => resolve());
            worker.child.kill("SIGKILL");
          }),
      ),
    );
  }

  private spawn(): Promise<void> {
    const child = fork(this.options.script, [], {
      env: { ...process.env, ...this.options.settings },
      execArgv: [],
      stdio: ["ignore", "pipe", "pipe", "ipc"],
    });
    const worker: Worker = { id: this.nextWorkerId++, child, running: new Map(), ready: false, killedByUs: false };
    this.workers.push(worker);
    this.stats.spawned += 1;
    child.on("error", (error) => this.options.onOutput(`worker ${worker.id}: ${error.message}\n`));
    child.stdout?.on("data", (data: Buffer) => this.options.onOutput(data.toString("utf8")));
    child.stderr?.on("data", (data: Buffer) => this.options.onOutput(data.toString("utf8")));
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("a soak worker did not get ready within 30 s")), 30_000);
      child.on("message", (message: unknown) => {
        if (!isWorkerMessage(message)) return;
        if (message.type === "ready") {
          clearTimeout(timer);
          worker.ready = true;
          this.binding ??= { queueName: message.queueName, connection: message.connection };
          this.slotsChanged();
          resolve();
        } else if (message.type === "fatal") {
          clearTimeout(timer);
          reject(new Error(`a soak worker could not load the app: ${message.error}`));
        } else {
          this.onMessage(worker, message);
        }
      });
      child.once("exit", (code, signal) => {
        clearTimeout(timer);
        this.onExit(worker, code, signal);
        if (!worker.ready) reject(new Error(`a soak worker exited before it was ready (${code ?? signal})`));
      });
    });
  }

  private onMessage(worker: Worker, message: Exclude<WorkerMessage, { type: "ready" | "fatal" }>): void {
    if (message.type === "log") {
      this.lastLines.set(message.id, `${message.level}: ${message.text.slice(0, 300)}`);
      this.options.onLog(message.id, message.level, message.text);
      return;
    }
    this.stats.workerPeakRssBytes = Math.max(this.stats.workerPeakRssBytes, message.maxRssBytes);
    const entry = worker.running.get(message.id);
    if (!entry) return;
    worker.running.delete(message.id);
    this.lastLines.delete(message.id);
    entry.finish({
      ok: message.ok,
      ...(message.error === undefined ? {} : { error: message.error }),
      killed: false,
      crashed: false,
      ms: message.ms,
    });
    this.slotsChanged();
  }

  private onExit(worker: Worker, code: number | null, signal: NodeJS.Signals | null): void {
    worker.ready = false;
    const index = this.workers.indexOf(worker);
    if (index >= 0) this.workers.splice(index, 1);
    if (!worker.killedByUs && !this.closing) this.stats.unexpectedExits += 1;
    for (const [id, entry] of worker.running) {
      this.lastLines.delete(id);
      entry.finish({
        ok: false,
        error: worker.killedByUs ? "SIGKILL (soak)" : `worker exited (${code ?? signal})`,
        killed: worker.killedByUs,
        crashed: !worker.killedByUs && !this.closing,
        ms: Date.now() - entry.started,
      });
    }
    worker.running.clear();
    if (!this.closing)
      this.spawn().catch((error: unknown) => this.options.onOutput(`respawn failed: ${(error as Error).message}\n`));
  }
}
