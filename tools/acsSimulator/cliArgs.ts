import { FAULT_KINDS } from "./simCounters";
import type { FaultSpec } from "./types";

export interface CliOptions {
  port?: number;
  host?: string;
  accessKey?: string;
  documents: Array<{ documentId: string; size: number }>;
  faults: Array<{ documentId: string; fault: FaultSpec }>;
  postEventUrls: string[];
  eventSchema: "eventgrid" | "cloudevents";
  era: "ga" | "preview";
}

export const CLI_USAGE = `Usage: acs-sim [options]
  --port <n>                     endpoint port (storage, regional and foreign listeners take free ports)
  --host <address>               interface to listen on (default 127.0.0.1)
  --access-key <base64>          access key (random when omitted)
  --document <id>:<size>         add a document, size like 64MiB, 1.5GiB, 10MB, 12345 (repeatable)
  --fault <id>:<kind>[:k=v,...]  arm a fault, e.g. doc1:status:status=503,times=2,retryAfterSeconds=1 (repeatable)
  --post-event <url>             after start, POST one RecordingFileStatusUpdated event for all documents (repeatable)
  --event-schema <eventgrid|cloudevents>   schema of posted events (default eventgrid)
  --era <ga|preview>             shape of posted events (default ga)`;

const NUMERIC_FAULT_FIELDS = ["times", "afterBytes", "status", "retryAfterSeconds", "bytesPerSecond", "stallMs", "size", "skipRequests"] as const;
const UNITS: Record<string, number> = {
  "": 1, b: 1, kb: 1e3, mb: 1e6, gb: 1e9, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3,
};

export function parseCliArgs(argv: readonly string[]): CliOptions {
  const options: CliOptions = { documents: [], faults: [], postEventUrls: [], eventSchema: "eventgrid", era: "ga" };
  for (let i = 0; i < argv.length; i += 1) {
    const flag = argv[i] ?? "";
    const value = (): string => {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith("--")) throw new Error(`${flag} needs a value\n${CLI_USAGE}`);
      i += 1;
      return next;
    };
    switch (flag) {
      case "--port": options.port = parseInteger(value(), flag); break;
      case "--host": options.host = value(); break;
      case "--access-key": options.accessKey = value(); break;
      case "--document": options.documents.push(parseDocument(value())); break;
      case "--fault": options.faults.push(parseFault(value())); break;
      case "--post-event": options.postEventUrls.push(value()); break;
      case "--event-schema": options.eventSchema = oneOf(value(), ["eventgrid", "cloudevents"] as const, flag); break;
      case "--era": options.era = oneOf(value(), ["ga", "preview"] as const, flag); break;
      default: throw new Error(`unknown argument "${flag}"\n${CLI_USAGE}`);
    }
  }
  return options;
}

/** "64MiB" -> 67108864, "1.5GiB" -> 1610612736, "10MB" -> 10000000, "123" -> 123. */
export function parseSize(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([a-zA-Z]*)$/.exec(text.trim());
  const unit = UNITS[(match?.[2] ?? "").toLowerCase()];
  if (!match || unit === undefined) throw new Error(`invalid size "${text}" (use e.g. 64MiB, 1.5GiB, 10MB, 12345)`);
  const bytes = Math.round(Number(match[1]) * unit);
  if (!Number.isSafeInteger(bytes)) throw new Error(`size "${text}" is too large`);
  return bytes;
}

function parseDocument(text: string): { documentId: string; size: number } {
  const colon = text.lastIndexOf(":");
  if (colon <= 0) throw new Error(`--document needs <id>:<size>, got "${text}"`);
  return { documentId: text.slice(0, colon), size: parseSize(text.slice(colon + 1)) };
}

function parseFault(text: string): { documentId: string; fault: FaultSpec } {
  const parts = text.split(":");
  const [documentId, kindText] = parts;
  if (!documentId || !kindText) throw new Error(`--fault needs <id>:<kind>[:k=v,...], got "${text}"`);
  const fault: FaultSpec = { kind: oneOf(kindText, FAULT_KINDS, "--fault kind") };
  // Settings may hold colons themselves (redirectTo=https://...).
  for (const pair of parts.slice(2).join(":").split(",").filter(Boolean)) {
    const equals = pair.indexOf("=");
    const key = pair.slice(0, equals);
    const raw = pair.slice(equals + 1);
    if (equals <= 0) throw new Error(`--fault setting "${pair}" is not k=v`);
    if ((NUMERIC_FAULT_FIELDS as readonly string[]).includes(key)) {
      fault[key as (typeof NUMERIC_FAULT_FIELDS)[number]] = key === "bytesPerSecond" || key === "size" ? parseSize(raw) : parseInteger(raw, key);
    } else if (key === "target") {
      fault.target = oneOf(raw, ["content", "metadata", "delete", "any"] as const, key);
    } else if (key === "redirectTo") {
      fault.redirectTo = raw;
    } else {
      throw new Error(`unknown --fault setting "${key}"`);
    }
  }
  return { documentId, fault };
}

function parseInteger(text: string, name: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer, got "${text}"`);
  return value;
}

function oneOf<T extends string>(text: string, allowed: readonly T[], name: string): T {
  const found = allowed.find((candidate) => candidate === text);
  if (found === undefined) throw new Error(`${name} must be one of ${allowed.join(", ")}, got "${text}"`);
  return found;
}
