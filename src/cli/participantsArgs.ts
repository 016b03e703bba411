import { DEFAULT_VERSION_LIFECYCLE_DAYS } from "../participants/participantErase";
import { UsageError } from "./usageError";

export type ParticipantsCommand =
  | { readonly kind: "help" }
  | ({ readonly kind: "find"; readonly participantId: string; readonly json: boolean } & ParticipantsOptions)
  | ({
      readonly kind: "export";
      readonly participantId: string;
      readonly out: string;
      readonly idleTimeoutMs: number;
    } & ParticipantsOptions)
  | ({
      readonly kind: "erase";
      readonly participantId: string;
      readonly yes: boolean;
      readonly includeShared: boolean;
      readonly versionLifecycleDays?: number;
    } & ParticipantsOptions)
  | ({ readonly kind: "reindex"; readonly restart: boolean; readonly rotateKey: boolean } & ParticipantsOptions);

interface ParticipantsOptions {
  readonly settingsFile?: string;
  readonly progress: boolean;
  readonly verbose: boolean;
}

const DEFAULT_IDLE_TIMEOUT_S = 60;
const FLAGS_WITH_VALUE = ["--settings", "--out", "--idle-timeout", "--version-lifecycle-days"];
const SWITCHES = [
  "--json",
  "--yes",
  "--include-shared",
  "--restart",
  "--rotate-key",
  "--no-progress",
  "--verbose",
  "-v",
];
const ALLOWED: Record<string, readonly string[]> = {
  find: ["--json"],
  export: ["--out", "--idle-timeout"],
  erase: ["--yes", "--include-shared", "--version-lifecycle-days"],
  reindex: ["--restart", "--rotate-key"],
};

/**
 * `participants find|export|erase <participantId>` and `participants reindex` (after the word
 * "participants"); throws UsageError. A participantId of "-" is read from stdin, which keeps it out
 * of shell history and process listings.
 */
export function parseParticipantsArgs(argv: readonly string[]): ParticipantsCommand {
  const [command, ...rest] = argv;
  if (command === undefined || command === "help" || argv.includes("--help") || argv.includes("-h"))
    return { kind: "help" };
  const allowed = ALLOWED[command];
  if (!allowed)
    throw new UsageError(`unknown participants command "${command}" (expected find, export, erase or reindex).`);
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
    if (!["--settings", "--no-progress", "--verbose", ...allowed].includes(flag))
      throw new UsageError(`${flag} does not belong to participants ${command}.`);
  }
  const options: ParticipantsOptions = {
    ...(values.has("--settings") ? { settingsFile: values.get("--settings") } : {}),
    progress: !switches.has("--no-progress"),
    verbose: switches.has("--verbose"),
  };
  if (command === "reindex") {
    if (positional.length > 0) throw new UsageError("participants reindex takes no participantId.");
    return { kind: "reindex", restart: switches.has("--restart"), rotateKey: switches.has("--rotate-key"), ...options };
  }
  if (positional.length !== 1)
    throw new UsageError(`participants ${command} needs exactly one <participantId> (or "-" to read it from stdin).`);
  const participantId = positional[0] as string;
  if (command === "find") return { kind: "find", participantId, json: switches.has("--json"), ...options };
  if (command === "erase") {
    const days = values.get("--version-lifecycle-days");
    return {
      kind: "erase",
      participantId,
      yes: switches.has("--yes"),
      includeShared: switches.has("--include-shared"),
      ...(days === undefined ? {} : { versionLifecycleDays: wholeNumber("--version-lifecycle-days", days, 0, 36_500) }),
      ...options,
    };
  }
  const out = values.get("--out");
  if (out === undefined || out === "") throw new UsageError("participants export needs --out <dir>.");
  return { kind: "export", participantId, out, idleTimeoutMs: idleTimeout(values.get("--idle-timeout")), ...options };
}

function idleTimeout(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_IDLE_TIMEOUT_S * 1000;
  return wholeNumber("--idle-timeout", raw, 1, 3600) * 1000;
}

function wholeNumber(flag: string, raw: string, min: number, max: number): number {
  const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max)
    throw new UsageError(`${flag} must be a whole number from ${min} to ${max}; got "${raw}".`);
  return value;
}

export const PARTICIPANTS_USAGE = `recording-archiver participants: data-subject requests on the archive (participant index).

Usage:
  recording-archiver participants find <participantId|-> [--json]
  recording-archiver participants export <participantId|-> --out <dir> [--idle-timeout <seconds>]
  recording-archiver participants erase <participantId|-> [--yes] [--include-shared] [--version-lifecycle-days <n>]
  recording-archiver participants reindex [--restart] [--rotate-key]

Every command acts on chunks, never whole recordings: exactly the chunks whose own archived metadata document lists
the participant, checked right before acting. Ids are normalised first (trimmed; 4: phone ids in E.164).

Commands:
  find      The participant's chunks (recording, start, chunk, blobs, bytes, SHA-256), page by page through the index;
            chunks whose metadata could not be indexed (check by hand); index entries of an older version (run
            reindex). --json prints it all as JSON (POST /api/archive/participants/search pages the same answer).
  export    Downloads each of those chunks (media, metadata document, BYOS catalogue record; BYOS media from the
            customer's account) into <dir>/<call>/<recording>/ (created 0700, files 0600), verifies each file against
            the SHA-256 the archive recorded (else Content-MD5, else length) and writes <dir>/export.json. A recording's
            manifest.json is exported only when every chunk it names is the participant's. Run it again to resume.
  erase     Without --yes: what --yes would erase, chunk by chunk, and which chunks are shared with other participants
            (counted and named by keyed-hash prefix, never raw ids). With --yes: per chunk a tombstone, then its blobs
            with every blob version, then the index entries of everyone in it; then the records that concern the
            erased chunks. A chunk other participants are in is NOT erased by --yes alone: it is listed as skipped and
            the erasure is not complete; --include-shared erases it too (their recording as well). A receipt is written
            step by step under participant-erasures/ in the archive container. Exit 1 unless complete.
  reindex   Builds the per-chunk index from the metadata already archived (older archives, older index versions,
            after restoring a key), then removes entries of older versions and of other keys. Resumable (checkpoint
            under reindex/ in the participant-index container); --restart ignores the checkpoint. --rotate-key rebuilds
            the index under this PARTICIPANT_INDEX_KEY when the index records another key (key rotation).

A participantId of "-" is read from the first line of stdin (keeps it out of shell history). Raw ids are never
logged; output names the participant by its keyed hash (HMAC-SHA-256 with PARTICIPANT_INDEX_KEY). Under a key the
index was not built with, find, export and erase refuse (exit 2) instead of reporting nothing.

Options:
  --settings <file>   Settings file in local.settings.json format (default: ./local.settings.json when present).
                      Needed: PARTICIPANT_INDEX_KEY, and RECORDINGS_STORAGE or AzureWebJobsStorage (with your own
                      identity: <NAME>__blobServiceUri), RECORDINGS_CONTAINER.
  --version-lifecycle-days <n>   Days after which the account's lifecycle rule deletes previous blob versions, as the
                      receipt states it (default ${DEFAULT_VERSION_LIFECYCLE_DAYS}; match your template).
  --no-progress       No progress line.   -v, --verbose   Information-level log lines on stderr.

Exit codes: 0 done; 1 something could not be exported or erased (or the erasure is not complete); 2 bad usage,
settings, or a PARTICIPANT_INDEX_KEY the index was not built with.
`;
