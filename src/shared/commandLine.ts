import { parseArgs, type ParseArgsConfig } from "node:util";

/** `util.parseArgs` option declarations (`{ port: { type: "string" }, verbose: { type: "boolean", short: "v" } }`). */
export type CommandLineOptions = NonNullable<ParseArgsConfig["options"]>;

type Parsed<T extends CommandLineOptions> = ReturnType<
  typeof parseArgs<{ args: string[]; options: T; strict: true; allowPositionals: true }>
>;

/** The command line is wrong: an unknown flag, a flag without its value, a stray argument. `problem` says which. */
export class CommandLineError extends Error {
  override readonly name = "CommandLineError";
  readonly code = "BadCommandLine";

  constructor(
    readonly problem: string,
    usage: string | undefined,
  ) {
    super(usage === undefined ? problem : `${problem}\n${usage}`);
  }
}

/**
 * `util.parseArgs` for every command line in the repo (the app's CLI, the ACS simulator, the soak, the benchmarks),
 * with messages that name the flag as the user typed it: `unknown argument "--bogus"`, `--port needs a value`,
 * `--verbose takes no value`, `unexpected argument "x"`. A value may not start with `-` unless it is `-` itself
 * (stdin) or given inline (`--name=-x`), so `--port --host h` reports the missing port instead of a port "--host".
 * Repeatable flags are `multiple: true`; any other flag given twice is an error (parseArgs would keep the last).
 * Positionals are refused unless `allowPositionals`. With `usage`, the error's message ends with it.
 */
export function parseCommandLine<const T extends CommandLineOptions>(
  argv: readonly string[],
  options: T,
  { allowPositionals = false, usage }: { allowPositionals?: boolean; usage?: string } = {},
): Parsed<T> {
  const fail: (problem: string) => never = (problem) => {
    throw new CommandLineError(problem, usage);
  };
  const { tokens } = parseArgs({ args: [...argv], options, strict: false, allowPositionals: true, tokens: true });
  const seen = new Set<string>();
  for (const token of tokens) {
    if (token.kind === "positional" && !allowPositionals) fail(`unexpected argument "${token.value}"`);
    if (token.kind !== "option") continue;
    const declared = Object.hasOwn(options, token.name) ? options[token.name] : undefined;
    if (declared === undefined) fail(`unknown argument "${token.rawName}"`);
    if (declared.type === "boolean" && token.value !== undefined) fail(`${token.rawName} takes no value`);
    if (
      declared.type === "string" &&
      (token.value === undefined ||
        (token.inlineValue === false && token.value.length > 1 && token.value.startsWith("-")))
    ) {
      fail(`${token.rawName} needs a value`);
    }
    if (declared.multiple !== true && seen.has(token.name)) fail(`${token.rawName} is given twice`);
    seen.add(token.name);
  }
  return parseArgs({ args: [...argv], options, strict: true, allowPositionals: true });
}
