/** The worker pool's public shapes. */
export interface InvocationOutcome {
  readonly ok: boolean;
  readonly error?: string;
  /** The worker process was SIGKILLed by the harness while this invocation ran. */
  readonly killed: boolean;
  /** The worker process died by itself (an archiver crash). */
  readonly crashed: boolean;
  readonly ms: number;
}

export interface Invocation {
  readonly workerId: number;
  readonly id: number;
  readonly outcome: Promise<InvocationOutcome>;
}

export interface WorkerPoolOptions {
  readonly script: string;
  /** App settings, passed as the worker's environment. */
  readonly settings: Record<string, string>;
  readonly workers: number;
  readonly invocationsPerWorker: number;
  readonly onLog: (invocationId: number, level: string, text: string) => void;
  /** The worker's own stdout/stderr. */
  readonly onOutput: (text: string) => void;
}

export interface PoolStats {
  spawned: number;
  kills: number;
  invocationsKilled: number;
  unexpectedExits: number;
  /** Highest peak RSS any worker process reported (bytes). */
  workerPeakRssBytes: number;
}
