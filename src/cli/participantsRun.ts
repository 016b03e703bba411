import { hostname, userInfo } from "node:os";
import { byosAccess } from "../byos/byosAccess";
import { parseParticipantConfig } from "../config/appConfig";
import type { StorageConnection } from "../config/storageConnection";
import { ConfigError, describeError } from "../errors";
import { PARTICIPANT_INDEX_CONTAINER } from "../participants/indexLayout";
import { eraseParticipant, type ErasureReport } from "../participants/participantErase";
import { exportParticipant } from "../participants/participantExport";
import { findParticipant, type ParticipantRecordings } from "../participants/participantFind";
import { ParticipantIndex } from "../participants/participantIndex";
import { participantIdProblem } from "../participants/participantKey";
import { reindexParticipants } from "../participants/participantReindex";
import { createBlobServiceClient } from "../storage/storageClients";
import { CliLog } from "./cliLog";
import { loadSettings } from "./cliSettings";
import { formatBytes } from "./formatBytes";
import { parseParticipantsArgs, PARTICIPANTS_USAGE, type ParticipantsCommand } from "./participantsArgs";
import { NO_PROGRESS, ProgressBar } from "./progressBar";
import { Redactor } from "./redact";
import type { CliIo } from "./runCli";
import { Terminal } from "./terminal";
import { textTable } from "./textTable";
import { UsageError } from "./usageError";

const NAME = "recording-archiver participants";
const MAX_STDIN_ID = 4096;

/** Runs `recording-archiver participants ...`; returns the exit code (0 done, 1 something not done, 2 usage/settings). */
export async function runParticipantsCli(argv: readonly string[], io: CliIo): Promise<number> {
  let command: ParticipantsCommand;
  try {
    command = parseParticipantsArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`${NAME}: ${error.message}\nRun "${NAME} --help" for usage.\n`);
    return 2;
  }
  if (command.kind === "help") {
    io.stdout.write(PARTICIPANTS_USAGE);
    return 0;
  }
  let terminal: Terminal | undefined;
  try {
    const loaded = loadSettings(io.env, io.cwd, command.settingsFile);
    terminal = new Terminal(io.stderr, new Redactor(loaded.settings));
    const log = new CliLog(terminal, command.verbose);
    const config = parseParticipantConfig(loaded.settings);
    if (config.participantIndexKey === undefined)
      throw new ConfigError(
        "PARTICIPANT_INDEX_KEY",
        "is required for the participants commands: the index is keyed with it (use the app's value, from Key Vault).",
      );
    const blobs = createBlobServiceClient(config.recordingsStorage);
    const recordings = blobs.getContainerClient(config.recordingsContainer);
    const index = new ParticipantIndex(blobs.getContainerClient(PARTICIPANT_INDEX_CONTAINER), config.participantIndexKey, recordings.containerName);
    const out = terminal;
    const bar = (total: number) => (command.progress && out.interactive ? new ProgressBar(out, total) : NO_PROGRESS);
    if (command.kind === "reindex") {
      const report = await reindexParticipants({
        index,
        recordings,
        log,
        restart: command.restart,
        onProgress: (progress) =>
          out.setStatus(`reindex: ${progress.scannedBlobs} blobs scanned, ${progress.metadataDocuments} metadata documents, ${progress.entries} index entries`),
      });
      out.clearStatus();
      io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      out.line(
        `Reindexed ${report.container}: ${report.metadataDocuments} metadata documents, ${report.entries} index entries${report.resumed ? " (resumed from a checkpoint)" : ""}.`,
      );
      return 0;
    }
    const participantId = await participantIdOf(command.participantId, io.stdin);
    if (command.kind === "find") {
      const found = await findParticipant(index, recordings, participantId);
      io.stdout.write(command.json ? `${JSON.stringify(found, null, 2)}\n` : `${findTable(found)}\n`);
      return 0;
    }
    if (command.kind === "export") {
      let progress = NO_PROGRESS;
      const report = await exportParticipant(participantId, {
        index,
        recordings,
        directory: command.out,
        idleTimeoutMs: command.idleTimeoutMs,
        log,
        byos: { access: byosAccess(config.recordingsStorage), accounts: config.byosStorageAccounts },
        progress: {
          start: (position, total, label, bytes) => {
            if (position === 0) progress = bar(total);
            progress.startChunk(position, label, () => Promise.resolve(bytes()));
          },
          finish: (ok) => progress.finishChunk(ok),
        },
      });
      progress.stop();
      const { totals } = report;
      io.stdout.write(
        `${JSON.stringify({ participant: report.participant, directory: report.directory, exportFile: `${report.directory}/export.json`, totals }, null, 2)}\n`,
      );
      out.line(
        `Exported ${totals.files} files (${formatBytes(totals.bytes)}): ${totals.downloaded} downloaded, ${totals.alreadyVerified} already verified, ${totals.failed} failed.`,
      );
      return totals.failed === 0 ? 0 : 1;
    }
    const report = await eraseParticipant(participantId, {
      index,
      recordings,
      identity: identityOf(config.recordingsStorage),
      dryRun: !command.yes,
      log,
      byos: { access: byosAccess(config.recordingsStorage), accounts: config.byosStorageAccounts },
    });
    io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    out.line(eraseSummary(report));
    return report.complete ? 0 : 1;
  } catch (error) {
    const line = (text: string): void => (terminal ? terminal.line(text) : void io.stderr.write(`${text}\n`));
    if (error instanceof ConfigError || error instanceof UsageError) {
      line(`${NAME}: ${error.message}`);
      return 2;
    }
    line(`${NAME}: ${describeError(error)}`);
    return 1;
  }
}

async function participantIdOf(argument: string, stdin: NodeJS.ReadableStream): Promise<string> {
  let id = argument;
  if (argument === "-") {
    let text = "";
    for await (const piece of stdin as AsyncIterable<Buffer | string>) {
      text += piece.toString();
      if (text.length > MAX_STDIN_ID) break;
    }
    id = (text.split(/\r?\n/)[0] ?? "").trim();
  }
  const problem = participantIdProblem(id);
  if (problem) throw new UsageError(`the participantId ${problem}.`);
  return id;
}

function findTable(found: ParticipantRecordings): string {
  if (found.recordings.length === 0) return `No archived recording of participant ${found.participant} (keyed hash).`;
  const rows = found.recordings.map((recording) => [
    recording.folder,
    recording.startTime ?? "",
    String(recording.chunks) + (recording.chunkCount === undefined ? "" : `/${recording.chunkCount}`),
    String(recording.files.length),
    formatBytes(recording.bytes),
    recording.complete ? "yes" : "no",
  ]);
  const { totals } = found;
  return [
    `Participant ${found.participant} (keyed hash):`,
    textTable(["recording", "start", "chunks", "blobs", "bytes", "complete"], rows, [2, 3, 4]),
    `${totals.recordings} recording(s), ${totals.chunks} chunk(s), ${totals.blobs} blob(s), ${formatBytes(totals.bytes)}.`,
  ].join("\n");
}

function eraseSummary(report: ErasureReport): string {
  const blobs = report.recordings.reduce((sum, recording) => sum + recording.blobs.length, 0);
  if (report.dryRun)
    return `Would erase ${report.recordings.length} recording(s), ${blobs} blob(s) of participant ${report.participant}. Nothing was deleted: run again with --yes.`;
  const deleted = report.recordings.reduce((sum, recording) => sum + recording.deleted.length, 0);
  const refused = report.recordings.flatMap((recording) => recording.refused);
  const kept =
    refused.length === 0
      ? ""
      : ` ${refused.length} blob(s) NOT erased (${refused.filter((refusal) => refusal.kind === "immutable").length} under an immutability policy or legal hold); see "refused".`;
  return `Erased ${deleted} of ${blobs} blob(s) in ${report.recordings.length} recording(s).${kept} Receipt: ${report.receipt ?? "(none)"}.`;
}

/** Who runs the erase, as far as the process knows: OS user and host, and the Storage credential kind. */
function identityOf(storage: StorageConnection): string {
  let user = "unknown user";
  try {
    user = `${userInfo().username}@${hostname()}`;
  } catch {
    // No user database entry (containers): keep "unknown user".
  }
  if (storage.kind === "identity")
    return `${user} via Entra ID (${storage.managedIdentity ? "managed identity" : "DefaultAzureCredential"}${storage.clientId ? `, client ${storage.clientId}` : ""})`;
  const account = /(?:^|;)\s*AccountName\s*=\s*([^;]+)/i.exec(storage.connectionString)?.[1]?.trim();
  return `${user} via a connection string${account ? ` (account ${account})` : /usedevelopmentstorage/i.test(storage.connectionString) ? " (development storage)" : ""}`;
}
