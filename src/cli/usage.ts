import { SETTING_NAMES, settingDisplayName } from "../config/settingNames";
import { DEFAULT_ATTEMPTS } from "./cliArgs";

/** The settings the command line reads, from the one list of settings, wrapped like the rest of the text. */
function settingsList(width = 112): string {
  const names = SETTING_NAMES.filter((setting) => setting.readBy === "app" && setting.functionsOnly !== true).map(
    (setting) => `${settingDisplayName(setting)}${setting.required ? " (required)" : ""}`,
  );
  const lines: string[] = [];
  let line = " ";
  for (const [at, name] of names.entries()) {
    const item = ` ${name}${at < names.length - 1 ? "," : "."}`;
    if (line.length + item.length > width) {
      lines.push(line);
      line = " ";
    }
    line += item;
  }
  return [...lines, line].join("\n");
}

/** The `--help` text. */
export const USAGE = `recording-archiver: archive Azure Communication Services call recordings into Blob Storage,
synchronously, with the same validation, archive job and settings as the Functions app.

Usage:
  recording-archiver archive --event <file|-> [options]
  recording-archiver replay --failure <blob name|file> [options]
  recording-archiver status --call <call id> [--json] [options]
  recording-archiver manifest --call <call id> [options]
  recording-archiver participants find|export|erase|reindex ...   (see "recording-archiver participants --help")
  recording-archiver --help

Commands:
  archive   Reads one Microsoft.Communication.RecordingFileStatusUpdated event, or a JSON array of events
            (Event Grid or CloudEvents 1.0 schema, GA or 2021 preview shape; an Event Grid dead-letter blob
            and a "rejected-events" quarantine record work as they are) from <file>, or from stdin with "-".
            Validates every event exactly as the intake functions do: an invalid event is kept in the
            "rejected-events" container and reported; events of other types are skipped. Then archives
            every chunk, one after the other, with the queue function's archive job (same blob names,
            resume, idempotency, failure records under archive-failures/).
  replay    Runs a chunk again from an outcome record written under archive-failures/ (the record holds the
            chunk message). Give the record's blob name ("archive-failures/...", optionally prefixed with the
            recordings container) or a local copy of it.
  status    What the archive knows about a call (the status API's answer): each recording, its expected
            chunk count, whether it is complete (manifest), and per chunk its state (pending, archived, failed,
            expired, erased), how it joined the recording (intakeTrace), its deadline and time left. A table,
            or the JSON with --json. Exit 1 for a call the archive has never seen.
  manifest  Writes manifest.json for every complete recording of the call that has none yet (recordings
            archived before manifests existed) and publishes RecordingArchived when ARCHIVE_EVENTS_ENDPOINT
            is set. Prints one JSON line per recording: written, existing, erased (every chunk removed by a
            data-subject erasure: no manifest), or incomplete (exit 1).

Options:
  --settings <file>   Settings file in local.settings.json format (default: ./local.settings.json when present).
  --attempts <n>      Runs of the archive job per chunk before it counts as failed, standing in for queue
                      redeliveries (default ${DEFAULT_ATTEMPTS}; every run already retries transient faults itself).
                      The last run acts as the queue function's last delivery: until a day past the deadline the
                      job re-queues the chunk on the app's queue for later (outcome "requeued"), otherwise it
                      writes a "retriesExhausted" record ("unverifiable" when the source never sent a length).
  --call <id>         The call id (or the server call id, for recordings whose event named no call id).
  --json              status: print JSON instead of a table.
  --no-progress       No progress bar (it is drawn on stderr only when stderr is a terminal).
  -v, --verbose       Information-level log lines on stderr (warnings and errors are always shown).
  -h, --help          This text.

Settings:
  Read from the environment and, when present, from the "Values" of local.settings.json in the current
  directory (or --settings <file>); the environment wins. The same settings as the Functions app
  (docs/settings.md); ACS_CONNECTION_STRING is required unless ACS_RESOURCES__<n>__ groups name the resources,
  and identity-based <NAME>__blobServiceUri / __queueServiceUri work too:
${settingsList()}
  Keys and signatures are never printed.

Output:
  stdout: one JSON summary: per chunk { chunkKey, documentId, index, eventId, blob, metadataBlob, bytes, outcome,
  reason?, failureRecord?, requeuedForSeconds?, attempts }; outcome is archived, alreadyArchived, failed,
  expired, rejected, retriesExhausted, unverifiable, requeued or erased (a data-subject erasure removed the chunk:
  not archived again, not a failure). Then the rejected events with where they were kept, and totals.
  stderr: warnings, errors and the progress bar.

Exit codes:
  0  every chunk is archived (or already was) and no event was rejected
  1  a chunk could not be archived, or an event was rejected (quarantined)
  2  bad usage, unreadable input or a bad setting (the message names it)
`;
