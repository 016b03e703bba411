import { hostname, userInfo } from "node:os";
import { byosAccess } from "../byos/byosAccess";
import { parseParticipantConfig } from "../config/appConfig";
import type { StorageConnection } from "../config/storageConnection";
import { ConfigError, describeError } from "../errors";
import { PARTICIPANT_INDEX_CONTAINER } from "../participants/indexLayout";
import { eraseParticipant, type ErasureReport } from "../participants/participantErase";
import { exportParticipant } from "../participants/participantExport";
import { findParticipant, type ParticipantChunks } from "../participants/participantSearch";
import { ParticipantIndexKeyError } from "../participants/participantErrors";
import { ParticipantIndex } from "../participants/participantIndex";
import { participantIdProblem } from "../participants/participantKey";
import { reindexParticipants } from "../participants/participantReindex";
import { createBlobServiceClient } from "../storage/storageClients";
import { CliLog } from "./output/cliLog";
import { loadSettings } from "./cliSettings";
import { formatBytes } from "./output/formatBytes";
import { parseParticipantsArgs, PARTICIPANTS_USAGE, type ParticipantsCommand } from "./participantsArgs";
import { Redactor } from "./output/redact";
import type { CliIo } from "./runCli";
import { Terminal } from "./output/terminal";
import { textTable } from "./output/textTable";
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
    const index = new ParticipantIndex(
      blobs.getContainerClient(PARTICIPANT_INDEX_CONTAINER),
      config.participantIndexKey,
      recordings.containerName,
    );
    const out = terminal;
    const byos = { access: byosAccess(config.recordingsStorage), containers: config.byosContainers };
    if (command.kind === "reindex") {
      const report = await reindexParticipants({
        index,
        recordings,
        log,
        restart: command.restart,
        rotateKey: command.rotateKey,
        onProgress: (progress) =>
          out.setStatus(
            progress.phase === "index"
              ? `reindex: ${progress.scannedBlobs} blobs scanned, ${progress.metadataDocuments} metadata documents, ${progress.entries} index entries`
              : `reindex: removing older entries (${progress.prunedEntries} so far)`,
          ),
      });
      out.clearStatus();
      io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      out.line(
        `Reindexed ${report.container}${report.rotated ? " under the new key (rotated)" : ""}: ${report.metadataDocuments} metadata documents, ${report.entries} index entries, ${report.flagged} chunk(s) flagged, ${report.prunedEntries} older entries removed${report.resumed ? " (resumed from a checkpoint)" : ""}.${report.unsafeNames > 0 ? ` ${report.unsafeNames} blob name(s) not usable as names were skipped (see unsafeNamesListed).` : ""}`,
      );
      return 0;
    }
    const participantId = await participantIdOf(command.participantId, io.stdin);
    const status = (text: string): void => {
      if (command.progress) out.setStatus(text);
    };
    if (command.kind === "find") {
      let pages = 0;
      const found = await findParticipant(index, recordings, participantId, {
        onPage: (page) => status(`find: page ${++pages}, ${page.chunks.length} chunk(s)`),
      });
      out.clearStatus();
      io.stdout.write(command.json ? `${JSON.stringify(found, null, 2)}\n` : `${findTable(found)}\n`);
      return 0;
    }
    if (command.kind === "export") {
      let files = 0;
      const report = await exportParticipant(participantId, {
        index,
        recordings,
        directory: command.out,
        idleTimeoutMs: command.idleTimeoutMs,
        log,
        byos,
        progress: { start: (label) => status(`export: file ${++files}: ${label}`), finish: () => undefined },
      });
      out.clearStatus();
      const { totals } = report;
      io.stdout.write(
        `${JSON.stringify({ participant: report.participant, directory: report.directory, exportFile: `${report.directory}/export.json`, message: report.message, totals }, null, 2)}\n`,
      );
      out.line(
        `Exported ${totals.chunks} chunk(s), ${totals.files} files (${formatBytes(totals.bytes)}): ${totals.downloaded} downloaded, ${totals.alreadyVerified} already verified, ${totals.failed} failed.${report.withheld.length > 0 ? ` ${report.withheld.length} manifest(s) withheld (they name other people's chunks).` : ""} ${report.message}`,
      );
      return totals.failed === 0 ? 0 : 1;
    }
    let chunks = 0;
    const report = await eraseParticipant(participantId, {
      index,
      recordings,
      identity: identityOf(config.recordingsStorage),
      dryRun: !command.yes,
      includeShared: command.includeShared,
      ...optionalDays("versionLifecycleDays", command.versionLifecycleDays ?? config.versionLifecycleDays),
      ...optionalDays("softDeleteDays", config.softDeleteDays),
      log,
      byos,
      blobService: blobs,
      onChunk: (chunk) => status(`erase: chunk ${++chunks}: ${chunk.outcome}`),
    });
    out.clearStatus();
    io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    out.line(eraseSummary(report));
    return report.dryRun || report.complete ? 0 : 1;
  } catch (error) {
    const line = (text: string): void => (terminal ? terminal.line(text) : void io.stderr.write(`${text}\n`));
    if (error instanceof ConfigError || error instanceof UsageError || error instanceof ParticipantIndexKeyError) {
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

function findTable(found: ParticipantChunks): string {
  const lines = [`Participant ${found.participant} (keyed hash): ${found.message}`];
  if (found.chunks.length > 0) {
    const rows = found.chunks.map((chunk) => [
      chunk.folder,
      chunk.startTime ?? "",
      String(chunk.index) + (chunk.chunkCount === undefined ? "" : ` of ${chunk.chunkCount}`),
      String(chunk.files.length),
      formatBytes(chunk.bytes),
      chunk.store,
    ]);
    lines.push(textTable(["recording", "start", "chunk", "blobs", "bytes", "media"], rows, [3, 4]));
    const { totals } = found;
    lines.push(
      `${totals.chunks} chunk(s) in ${totals.recordings} recording(s), ${totals.blobs} blob(s), ${formatBytes(totals.bytes)}.`,
    );
  }
  if (found.skipped.length > 0)
    lines.push(
      `${found.skipped.length} index entr(ies) not reported (see "skipped" in --json): their chunk's own metadata does not list this participant, or is gone.`,
    );
  if (found.flagged.chunks.length > 0) {
    lines.push(
      `Chunks whose metadata could not be indexed (nobody can be found in them; check by hand)${found.flagged.more ? ", first ones" : ""}:`,
    );
    for (const chunk of found.flagged.chunks) lines.push(`  ${chunk.folder}${chunk.stem}`);
  }
  if (found.unsafeNames.length > 0)
    lines.push(
      `${found.unsafeNames.length} blob name(s) under these chunks are not usable as names (dot segments, backslash): refused.`,
    );
  return lines.join("\n");
}

function eraseSummary(report: ErasureReport): string {
  const { totals } = report;
  const shared = report.chunks.filter(
    (chunk) => chunk.outcome === "skippedShared" || chunk.outcome === "wouldSkipShared",
  );
  const sharedNote =
    shared.length === 0
      ? ""
      : ` ${shared.length} chunk(s) are shared with other participants and are erased only with --include-shared: ${shared
          .slice(0, 5)
          .map(
            (chunk) =>
              `${chunk.folder}${chunk.chunk} (${chunk.otherParticipants?.count ?? 0} other: ${(chunk.otherParticipants?.keyedHashPrefixes ?? []).join(", ")})`,
          )
          .join("; ")}${shared.length > 5 ? "; …" : ""}.`;
  if (report.dryRun) {
    const would = report.chunks.filter((chunk) => chunk.outcome === "wouldErase");
    const blobs = would.reduce((sum, chunk) => sum + chunk.blobs.length + chunk.byos.length, 0);
    const versions = would.reduce((sum, chunk) => sum + chunk.previousVersions, 0);
    return `Would erase ${would.length} chunk(s), ${blobs} blob(s) and ${versions} previous version(s) of participant ${report.participant}.${sharedNote} Nothing was deleted: run again with --yes.`;
  }
  const refused = report.chunks
    .flatMap((chunk) => chunk.refused)
    .concat(report.recordings.flatMap((recording) => recording.refused));
  const kept =
    refused.length === 0
      ? ""
      : ` ${refused.length} blob(s) or version(s) NOT erased (${refused.filter((refusal) => refusal.kind === "immutable" || refusal.kind === "legalHold").length} under an immutability policy or legal hold); see "refused".`;
  return `Erased ${totals.erased} of ${totals.chunks} chunk(s): ${totals.blobsDeleted} blob(s) and ${totals.versionsDeleted} previous version(s) deleted.${kept}${sharedNote} ${report.message} Receipt: ${report.receipt ?? "(none)"}. Complete: ${report.complete ? "yes" : "no"}.`;
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

function optionalDays<K extends string>(key: K, days: number | undefined): Partial<Record<K, number>> {
  return days === undefined ? {} : ({ [key]: days } as Partial<Record<K, number>>);
}
