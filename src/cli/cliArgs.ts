import { CommandLineError, parseCommandLine, type CommandLineOptions } from "../shared/commandLine";
import { UsageError } from "./usageError";

/** Flags both commands share. */
interface CommonOptions {
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

export const DEFAULT_ATTEMPTS = 3;
const MAX_ATTEMPTS = 20;

const COMMON_FLAGS = {
  settings: { type: "string" },
  attempts: { type: "string" },
  "no-progress": { type: "boolean" },
  verbose: { type: "boolean", short: "v" },
} as const satisfies CommandLineOptions;

type Values<T extends CommandLineOptions> = ReturnType<typeof parseCommandLine<T>>["values"];

/** One subcommand: its own `util.parseArgs` flags, and how their values become a CliCommand. */
function subcommand<const T extends CommandLineOptions>(
  flags: T,
  build: (values: Values<T>, positionals: readonly string[]) => CliCommand,
  allowPositionals = false,
): (argv: readonly string[]) => CliCommand {
  return (argv) => {
    const { values, positionals } = parseCommandLine(argv, flags, { allowPositionals });
    return build(values, positionals);
  };
}

/**
 * The subcommands, by name. A new one is one entry: its flags (spread COMMON_FLAGS when it runs the archive job
 * with the app's settings) and a builder that checks them and returns its CliCommand variant; runCli.ts runs it.
 */
const SUBCOMMANDS: Readonly<Record<string, (argv: readonly string[]) => CliCommand>> = {
  archive: subcommand({ ...COMMON_FLAGS, event: { type: "string" } }, (values) => ({
    kind: "archive",
    event: required(values.event, "archive needs --event <file|->."),
    ...commonOptions(values),
  })),
  replay: subcommand({ ...COMMON_FLAGS, failure: { type: "string" } }, (values) => ({
    kind: "replay",
    failure: required(values.failure, "replay needs --failure <blob name|file>."),
    ...commonOptions(values),
  })),
  status: subcommand({ ...COMMON_FLAGS, call: { type: "string" }, json: { type: "boolean" } }, (values) => ({
    kind: "status",
    call: required(values.call, "status needs --call <call id>."),
    json: values.json === true,
    ...commonOptions(values),
  })),
  manifest: subcommand({ ...COMMON_FLAGS, call: { type: "string" } }, (values) => ({
    kind: "manifest",
    call: required(values.call, "manifest needs --call <call id>."),
    ...commonOptions(values),
  })),
};

/** Parses `archive --event <file|->` / `replay --failure <name|file>` / `status --call <id> [--json]` / `manifest --call <id>` / `--help`; throws UsageError. */
export function parseCliArgs(argv: readonly string[]): CliCommand {
  if (argv.length === 0 || argv.some((arg) => arg === "--help" || arg === "-h") || argv[0] === "help")
    return { kind: "help" };
  const [name = "", ...rest] = argv;
  const parse = Object.hasOwn(SUBCOMMANDS, name) ? SUBCOMMANDS[name] : undefined;
  if (parse === undefined)
    throw new UsageError(`unknown command "${name}" (expected ${Object.keys(SUBCOMMANDS).join(" or ")}).`);
  try {
    return parse(rest);
  } catch (error) {
    if (error instanceof CommandLineError) throw new UsageError(`${error.problem}.`, { cause: error });
    throw error;
  }
}

function commonOptions(values: Values<typeof COMMON_FLAGS>): CommonOptions {
  return {
    ...(values.settings === undefined ? {} : { settingsFile: values.settings }),
    attempts: attemptsOf(values.attempts),
    progress: values["no-progress"] !== true,
    verbose: values.verbose === true,
  };
}

function required(value: string | undefined, message: string): string {
  if (value === undefined || value === "") throw new UsageError(message);
  return value;
}

function attemptsOf(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_ATTEMPTS;
  const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < 1 || value > MAX_ATTEMPTS)
    throw new UsageError(`--attempts must be a whole number from 1 to ${MAX_ATTEMPTS}; got "${raw}".`);
  return value;
}
