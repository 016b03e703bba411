import type { SettingProblem } from "../errors";

/** The dependencies GET /api/health probes. */
export type DependencyName = "hostStorage" | "archiveContainer" | "acsEndpoint";

/** What one probe found. `detail` is a short sentence with no secret and no setting value. */
export interface ProbeResult {
  readonly ok: boolean;
  readonly detail: string;
}

/** A probe that must settle (or give up) when `signal` aborts. */
export type DependencyProbe = (signal: AbortSignal) => Promise<ProbeResult>;

export interface ConfigurationStatus {
  readonly valid: boolean;
  /** The first bad setting's name, and what is wrong with it in general words (never its value). */
  readonly invalidSetting?: string;
  readonly problem?: SettingProblem;
  /** The same in a sentence (AppNotConfiguredError's message). */
  readonly message?: string;
}

export interface HealthReport {
  readonly healthy: boolean;
  readonly configuration: ConfigurationStatus;
  readonly dependencies: Readonly<Record<DependencyName, ProbeResult & { readonly ms: number }>>;
}

/** Each probe's deadline: Event Grid and load balancers expect a health answer within seconds. */
export const PROBE_TIMEOUT_MS = 5_000;

/**
 * Runs every probe concurrently, each bounded by `timeoutMs` (also when a probe ignores its signal), and reports
 * healthy only when the configuration is valid and every dependency answered as expected.
 */
export class HealthCheck {
  constructor(
    private readonly configuration: ConfigurationStatus,
    private readonly probes: Readonly<Record<DependencyName, DependencyProbe>>,
    private readonly timeoutMs: number = PROBE_TIMEOUT_MS,
  ) {}

  async run(): Promise<HealthReport> {
    const names = Object.keys(this.probes) as DependencyName[];
    const results = await Promise.all(names.map((name) => this.runProbe(this.probes[name])));
    const dependencies = Object.fromEntries(
      names.map((name, at) => [name, results[at]]),
    ) as HealthReport["dependencies"];
    return {
      healthy: this.configuration.valid && results.every((result) => result?.ok === true),
      configuration: this.configuration,
      dependencies,
    };
  }

  private async runProbe(probe: DependencyProbe): Promise<ProbeResult & { ms: number }> {
    const started = performance.now();
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<ProbeResult>((resolve) => {
      timer = setTimeout(() => {
        controller.abort();
        resolve({ ok: false, detail: `no answer within ${this.timeoutMs / 1000} s` });
      }, this.timeoutMs);
    });
    try {
      const result = await Promise.race([
        probe(controller.signal).catch((): ProbeResult => ({ ok: false, detail: "the probe failed" })),
        deadline,
      ]);
      return { ...result, ms: Math.round(performance.now() - started) };
    } finally {
      clearTimeout(timer);
    }
  }
}
