import { UsageError } from "./usageError";

/** Flags both commands share. */
export interface CommonOptions {
  /** A local.settings.json-style file; default ./local.settings.json when it exists. */
  readonly settingsFile?: string;
  /** Times a chunk is run before giving up (the command's stand-in for queue redeliveries). */
  readonly attempts: number;
  /** Progress bar on stderr (only drawn when stderr is a TTY). */
  readonly progress: boolean;
  /** Information-level log lines on stderr, not only warnings and errors. */
  readonly verbose: boolean;
}

export type CliCommand =
  | { readonly kind: "help" }
  | ({ readonly kind: "archive"; readonly event: string } & CommonOptions)
  | ({ readonly kind: "replay"; readonly failure: string } & CommonOptions)
  | ({ readonly kind: "status"; readonly call: string; readonly json: boolean } & CommonOptions)
  | ({ readonly kind: "manifest"; readonly call: string } & CommonOptions);

const COMMANDS = ["archive", "replay", "status", "manifest"] as const;
/** The input flag each command needs. */
const INPUT_FLAG: Record<(typeof COMMANDS)[number], string> = { archive: "--event", replay: "--failure", status: "--call", manifest: "--call" };

export const DEFAULT_ATTEMPTS = 3;
const MAX_ATTEMPTS = 20;

/** Parses `archive --event <file|->` / `replay --failure <name|file>` / `status --call <id> [--json]` / `manifest --call <id>` / `--help`; throws UsageError. */
export function parseCliArgs(argv: readonly string[]): CliCommand {
  if (argv.length === 0 || argv.some((arg) => arg === "--help" || arg === "-h") || argv[0] === "help") return { kind: "help" };
  const [command, ...rest] = argv;
  if (!COMMANDS.includes(command as (typeof COMMANDS)[number])) throw new UsageError(`unknown command "${command ?? ""}" (expected ${COMMANDS.join(", ")}).`);
  const kind = command as (typeof COMMANDS)[number];
  const values = new Map<string, string>();
  let progress = true;
  let verbose = false;
  let json = false;
  for (let at = 0; at < rest.length; at++) {
    const flag = rest[at] as string;
    if (flag === "--no-progress") progress = false;
    else if (flag === "--verbose" || flag === "-v") verbose = true;
    else if (flag === "--json" && kind === "status") json = true;
    else if (["--event", "--failure", "--call", "--settings", "--attempts"].includes(flag)) {
      const value = rest[at + 1];
      if (value === undefined || (value.startsWith("--") && value !== "-")) throw new UsageError(`${flag} needs a value.`);
      if (values.has(flag)) throw new UsageError(`${flag} is given twice.`);
      values.set(flag, value);
      at += 1;
    } else {
      throw new UsageError(`unknown argument "${flag}".`);
    }
  }
  const common: CommonOptions = {
    ...(values.has("--settings") ? { settingsFile: values.get("--settings") as string } : {}),
    attempts: attemptsOf(values.get("--attempts")),
    progress,
    verbose,
  };
  const wanted = INPUT_FLAG[kind];
  const stray = ["--event", "--failure", "--call"].find((flag) => flag !== wanted && values.has(flag));
  if (stray) throw new UsageError(`${stray} does not belong to ${kind}.`);
  const input = values.get(wanted);
  if (input === undefined || input === "") throw new UsageError(`${kind} needs ${wanted} ${kind === "archive" ? "<file|->" : kind === "replay" ? "<blob name|file>" : "<call id>"}.`);
  if (kind === "archive") return { kind, event: input, ...common };
  if (kind === "replay") return { kind, failure: input, ...common };
  if (kind === "status") return { kind, call: input, json, ...common };
  return { kind, call: input, ...common };
}

function attemptsOf(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_ATTEMPTS;
  const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < 1 || value > MAX_ATTEMPTS) throw new UsageError(`--attempts must be a whole number from 1 to ${MAX_ATTEMPTS}; got "${raw}".`);
  return value;
}
