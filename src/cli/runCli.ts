import { basename } from "node:path";
import type { Settings } from "../config/settingParsers";
import { ConfigError, describeError } from "../errors";
import type { Log } from "../shared/log";
import { archiveEvents, type RunContext } from "./archiveRun";
import { manifestsOfCall, statusOfCall } from "./catalogRun";
import { parseCliArgs, type CliCommand } from "./cliArgs";
import { CliLog } from "./output/cliLog";
import type { ServiceObservers } from "../app/services";
import { createCliServices, type CliServices } from "./cliServices";
import { loadSettings, type LoadedSettings } from "./cliSettings";
import { readEventsInput } from "./eventInput";
import { readFailureRecord } from "./failureRecordInput";
import { formatBytes } from "./output/formatBytes";
import { runParticipantsCli } from "./participantsRun";
import { NO_PROGRESS, ProgressBar, type Progress } from "./output/progressBar";
import { Redactor } from "./output/redact";
import { replayFailure } from "./replayRun";
import { summaryLine, type RunSummary } from "./output/summary";
import { Terminal, type TextSink } from "./output/terminal";
import { USAGE } from "./usage";
import { UsageError } from "./usageError";

export interface CliIo {
  readonly env: Settings;
  readonly cwd: string;
  readonly stdin: NodeJS.ReadableStream;
  readonly stdout: TextSink;
  readonly stderr: TextSink;
}

const NAME = "recording-archiver";

/** Runs one command line; returns the exit code (0 ok, 1 a chunk or event failed, 2 bad usage or settings). */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  if (argv[0] === "participants") return runParticipantsCli(argv.slice(1), io);
  let command: CliCommand;
  let loaded: LoadedSettings;
  try {
    command = parseCliArgs(argv);
    if (command.kind === "help") {
      io.stdout.write(USAGE);
      return 0;
    }
    loaded = loadSettings(io.env, io.cwd, command.settingsFile);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`${NAME}: ${error.message}\nRun "${NAME} --help" for usage.\n`);
    return 2;
  }
  const redactor = new Redactor(loaded.settings);
  const terminal = new Terminal(io.stderr, redactor);
  let progress: Progress = NO_PROGRESS;
  const log = new CliLog(terminal, command.verbose);
  // The archiver tells of each retry inside a run; the chunk runner of each run repeated (archiveMessages).
  const observers = { onRetry: () => progress.retried() };
  const makeProgress = (chunks: number): Progress =>
    (progress = command.progress && terminal.interactive ? new ProgressBar(terminal, chunks) : NO_PROGRESS);
  try {
    if (command.kind === "status" || command.kind === "manifest") {
      const services = createCliServices(loaded.settings, log);
      const output =
        command.kind === "status"
          ? await statusOfCall(services.callStatus, command.call, command.json, log)
          : await manifestsOfCall(services.catalog, command.call, log);
      io.stdout.write(redactor.redact(output.stdout));
      return output.exitCode;
    }
    const summary = await run(command, io, loaded.settings, log, observers, (services) => ({
      services,
      log,
      attempts: command.attempts,
      progress: makeProgress,
    }));
    io.stdout.write(`${redactor.redact(JSON.stringify(summary, null, 2))}\n`);
    terminal.line(summaryLine(summary, formatBytes));
    return summary.exitCode;
  } catch (error) {
    if (error instanceof ConfigError) {
      const where = loaded.fromFile.has(error.setting) && loaded.file ? ` (set in ${loaded.file})` : "";
      terminal.line(`${NAME}: ${error.message}${where}`);
      return 2;
    }
    if (error instanceof UsageError) {
      terminal.line(`${NAME}: ${error.message}\nRun "${NAME} --help" for usage.`);
      return 2;
    }
    terminal.line(`${NAME}: ${describeError(error)}`);
    return 1;
  }
}

async function run(
  command: Extract<CliCommand, { kind: "archive" | "replay" }>,
  io: CliIo,
  settings: Settings,
  log: Log,
  observers: ServiceObservers,
  contextFor: (services: CliServices) => RunContext,
): Promise<RunSummary> {
  if (command.kind === "archive") {
    if (command.event === "-" && (io.stdin as { isTTY?: boolean }).isTTY === true)
      log.warn("Reading the event(s) from the terminal: paste the JSON, then press Ctrl+D.");
    const events = await readEventsInput(command.event, io.stdin, io.cwd);
    const context = contextFor(createCliServices(settings, log, observers));
    return archiveEvents(
      events,
      `${NAME} archive --event ${command.event === "-" ? "-" : basename(command.event)}`,
      context,
    );
  }
  const context = contextFor(createCliServices(settings, log, observers));
  return replayFailure(await readFailureRecord(command.failure, context.services.recordings, io.cwd), context);
}
