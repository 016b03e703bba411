import { UsageError } from "./usageError";

export type ParticipantsCommand =
  | { readonly kind: "help" }
  | ({ readonly kind: "find"; readonly participantId: string; readonly json: boolean } & ParticipantsOptions)
  | ({ readonly kind: "export"; readonly participantId: string; readonly out: string; readonly idleTimeoutMs: number } & ParticipantsOptions)
  | ({ readonly kind: "erase"; readonly participantId: string; readonly yes: boolean } & ParticipantsOptions)
  | ({ readonly kind: "reindex"; readonly restart: boolean } & ParticipantsOptions);

interface ParticipantsOptions {
  readonly settingsFile?: string;
  readonly progress: boolean;
  readonly verbose: boolean;
}

const DEFAULT_IDLE_TIMEOUT_S = 60;
const FLAGS_WITH_VALUE = ["--settings", "--out", "--idle-timeout"];
const SWITCHES = ["--json", "--yes", "--restart", "--no-progress", "--verbose", "-v"];
const ALLOWED: Record<string, readonly string[]> = {
  find: ["--json"],
  export: ["--out", "--idle-timeout"],
  erase: ["--yes"],
  reindex: ["--restart"],
};

/**
 * `participants find|export|erase <participantId>` and `participants reindex` (after the word
 * "participants"); throws UsageError. A participantId of "-" is read from stdin, which keeps it out
 * of shell history and process listings.
 */
export function parseParticipantsArgs(argv: readonly string[]): ParticipantsCommand {
  const [command, ...rest] = argv;
  if (command === undefined || command === "help" || argv.includes("--help") || argv.includes("-h")) return { kind: "help" };
  const allowed = ALLOWED[command];
  if (!allowed) throw new UsageError(`unknown participants command "${command}" (expected find, export, erase or reindex).`);
  const values = new Map<string, string>();
  const switches = new Set<string>();
  const positional: string[] = [];
  for (let at = 0; at < rest.length; at++) {
    const arg = rest[at] as string;
    if (FLAGS_WITH_VALUE.includes(arg)) {
      const value = rest[at + 1];
      if (value === undefined || value.startsWith("--")) throw new UsageError(`${arg} needs a value.`);
      if (values.has(arg)) throw new UsageError(`${arg} is given twice.`);
      values.set(arg, value);
      at += 1;
    } else if (SWITCHES.includes(arg)) {
      switches.add(arg === "-v" ? "--verbose" : arg);
    } else if (arg.startsWith("--")) {
      throw new UsageError(`unknown argument "${arg}".`);
    } else {
      positional.push(arg);
    }
  }
  for (const flag of [...values.keys(), ...switches]) {
    if (!["--settings", "--no-progress", "--verbose", ...allowed].includes(flag)) throw new UsageError(`${flag} does not belong to participants ${command}.`);
  }
  const options: ParticipantsOptions = {
    ...(values.has("--settings") ? { settingsFile: values.get("--settings") } : {}),
    progress: !switches.has("--no-progress"),
    verbose: switches.has("--verbose"),
  };
  if (command === "reindex") {
    if (positional.length > 0) throw new UsageError("participants reindex takes no participantId.");
    return { kind: "reindex", restart: switches.has("--restart"), ...options };
  }
  if (positional.length !== 1) throw new UsageError(`participants ${command} needs exactly one <participantId> (or "-" to read it from stdin).`);
  const participantId = positional[0] as string;
  if (command === "find") return { kind: "find", participantId, json: switches.has("--json"), ...options };
  if (command === "erase") return { kind: "erase", participantId, yes: switches.has("--yes"), ...options };
  const out = values.get("--out");
  if (out === undefined || out === "") throw new UsageError("participants export needs --out <dir>.");
  return { kind: "export", participantId, out, idleTimeoutMs: idleTimeout(values.get("--idle-timeout")), ...options };
}

function idleTimeout(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_IDLE_TIMEOUT_S * 1000;
  const seconds = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(seconds) || seconds < 1 || seconds > 3600)
    throw new UsageError(`--idle-timeout must be whole seconds from 1 to 3600; got "${raw}".`);
  return seconds * 1000;
}

export const PARTICIPANTS_USAGE = `recording-archiver participants: data-subject requests on the archive (participant index).

Usage:
  recording-archiver participants find <participantId|-> [--json]
  recording-archiver participants export <participantId|-> --out <dir> [--idle-timeout <seconds>]
  recording-archiver participants erase <participantId|-> [--yes]
  recording-archiver participants reindex [--restart]

Commands:
  find      Every archived recording the participant appears in (call, start, chunks, blobs, bytes, complete),
            from one listing of the participant index. --json prints what GET /api/archive/participants/{id} answers.
  export    Downloads media, metadata, manifests (and BYOS catalogue records) of those recordings into <dir>,
            streamed, with a progress bar; verifies each file against the SHA-256 the manifest or the blob's
            metadata records (else its Content-MD5, else its length) and writes <dir>/export.json. Run it again
            to resume: files already there that still verify are not downloaded again. Exit 1 if a file fails.
  erase     Without --yes: prints what would be erased. With --yes: deletes those recordings' blobs and their
            index entries, and writes an erasure receipt under participant-erasures/ in the archive container
            (the participant only as its keyed hash). Blobs under an immutability policy or legal hold are not
            deleted: each is reported with the reason, and the command exits 1.
  reindex   Builds the index from metadata already in the archive (archives made before the index existed).
            Resumable: a checkpoint under reindex/ in the participant-index container; --restart ignores it.

A participantId of "-" is read from the first line of stdin (keeps it out of shell history). Raw ids are never
logged; output names the participant by its keyed hash (HMAC-SHA-256 with PARTICIPANT_INDEX_KEY).

Options:
  --settings <file>   Settings file in local.settings.json format (default: ./local.settings.json when present).
                      Needed: PARTICIPANT_INDEX_KEY, and RECORDINGS_STORAGE or AzureWebJobsStorage (with your own
                      identity: <NAME>__blobServiceUri), RECORDINGS_CONTAINER.
  --no-progress       No progress bar.   -v, --verbose   Information-level log lines on stderr.

Exit codes: 0 done; 1 something could not be exported or erased; 2 bad usage or settings.
`;
