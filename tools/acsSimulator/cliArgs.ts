import { parseByteSize } from "../../src/shared/byteSize";
import { parseCommandLine } from "../../src/shared/commandLine";
import { FAULT_KINDS } from "./simCounters";
import type { FaultSpec } from "./types";

export interface CliOptions {
  port?: number;
  host?: string;
  accessKey?: string;
  secondaryKey?: string;
  /** Names of further ACS resources (each its own endpoint and random keys). */
  resources?: string[];
  documents: Array<{ documentId: string; size: number }>;
  faults: Array<{ documentId: string; fault: FaultSpec }>;
  postEventUrls: string[];
  eventSchema: "eventgrid" | "cloudevents";
  era: "ga" | "preview";
}

const CLI_USAGE = `Usage: acs-sim [options]
  --port <n>                     endpoint port (storage, regional and foreign listeners take free ports)
  --host <address>               interface to listen on (default 127.0.0.1)
  --access-key <base64>          access key (random when omitted)
  --secondary-access-key <base64>  secondary access key (random when omitted); either key signs
  --resource <name>              add a further ACS resource with its own endpoint and random keys (repeatable)
  --document <id>:<size>         add a document, size like 64MiB, 1.5GiB, 10MB (10^6 bytes), 12345 (repeatable)
  --fault <id>:<kind>[:k=v,...]  arm a fault, e.g. doc1:status:status=503,times=2,retryAfterSeconds=1 (repeatable)
  --post-event <url>             after start, POST one RecordingFileStatusUpdated event for all documents (repeatable)
  --event-schema <eventgrid|cloudevents>   schema of posted events (default eventgrid)
  --era <ga|preview>             shape of posted events (default ga)`;

const NUMERIC_FAULT_FIELDS = [
  "times",
  "afterBytes",
  "status",
  "retryAfterSeconds",
  "bytesPerSecond",
  "stallMs",
  "size",
  "skipRequests",
] as const;
const FLAGS = {
  port: { type: "string" },
  host: { type: "string" },
  "access-key": { type: "string" },
  "secondary-access-key": { type: "string" },
  resource: { type: "string", multiple: true },
  document: { type: "string", multiple: true },
  fault: { type: "string", multiple: true },
  "post-event": { type: "string", multiple: true },
  "event-schema": { type: "string" },
  era: { type: "string" },
} as const;

export function parseCliArgs(argv: readonly string[]): CliOptions {
  const { values } = parseCommandLine(argv, FLAGS, { usage: CLI_USAGE });
  return {
    ...(values.port === undefined ? {} : { port: parseInteger(values.port, "--port") }),
    ...(values.host === undefined ? {} : { host: values.host }),
    ...(values["access-key"] === undefined ? {} : { accessKey: values["access-key"] }),
    ...(values["secondary-access-key"] === undefined ? {} : { secondaryKey: values["secondary-access-key"] }),
    ...(values.resource === undefined ? {} : { resources: values.resource }),
    documents: (values.document ?? []).map(parseDocument),
    faults: (values.fault ?? []).map(parseFault),
    postEventUrls: values["post-event"] ?? [],
    eventSchema: oneOf(values["event-schema"] ?? "eventgrid", ["eventgrid", "cloudevents"] as const, "--event-schema"),
    era: oneOf(values.era ?? "ga", ["ga", "preview"] as const, "--era"),
  };
}

/** "64MiB" -> 67108864, "1.5GiB" -> 1610612736, "10MB" -> 10000000, "123" -> 123 (src/shared/byteSize.ts). */
export function parseSize(text: string): number {
  const bytes = parseByteSize(text);
  if (bytes === undefined)
    throw new Error(`invalid size "${text}" (use a whole number of bytes, e.g. 64MiB, 1.5GiB, 10MB, 12345)`);
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
      fault[key as (typeof NUMERIC_FAULT_FIELDS)[number]] =
        key === "bytesPerSecond" || key === "size" ? parseSize(raw) : parseInteger(raw, key);
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
  if (!Number.isSafeInteger(value) || value < 0)
    throw new Error(`${name} must be a non-negative integer, got "${text}"`);
  return value;
}

function oneOf<T extends string>(text: string, allowed: readonly T[], name: string): T {
  const found = allowed.find((candidate) => candidate === text);
  if (found === undefined) throw new Error(`${name} must be one of ${allowed.join(", ")}, got "${text}"`);
  return found;
}
