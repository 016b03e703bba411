import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { readBounded } from "../shared/bodyReading";
import { isRecord } from "../shared/untrustedJson";
import { UsageError } from "./usageError";

/**
 * The events of `--event <file|->`: one event object, or a JSON array of events (an Event Grid
 * delivery or dead-letter blob), or a `rejected-events` quarantine record (its `input` is replayed).
 * Each element is still untrusted: validation happens afterwards.
 */
export async function readEventsInput(source: string, stdin: NodeJS.ReadableStream, cwd: string): Promise<unknown[]> {
  const shown = source === "-" ? "stdin" : source;
  let text: string;
  try {
    text = source === "-" ? await readAll(stdin) : await readFile(resolve(cwd, source), "utf8");
  } catch (error) {
    throw new UsageError(
      `cannot read ${shown}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`,
      { cause: error },
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.replace(/^\uFEFF/, ""));
  } catch (error) {
    throw new UsageError(`${shown} is not JSON: ${(error as Error).message}`, { cause: error });
  }
  parsed = unwrapQuarantineRecord(parsed, shown);
  const events: unknown[] | undefined = Array.isArray(parsed)
    ? parsed
    : typeof parsed === "object" && parsed !== null
      ? [parsed]
      : undefined;
  if (!events) throw new UsageError(`${shown} must hold an event object or an array of events.`);
  if (events.length === 0) throw new UsageError(`${shown} is an empty array: there are no events.`);
  return events;
}

/** A quarantine record (`{ rejectedAt, reason, receivedVia, input }`) stands for the input it kept. */
function unwrapQuarantineRecord(value: unknown, shown: string): unknown {
  if (
    !isRecord(value) ||
    typeof value["rejectedAt"] !== "string" ||
    typeof value["receivedVia"] !== "string" ||
    !("input" in value)
  )
    return value;
  const input = value["input"];
  if (typeof input !== "string") return input;
  try {
    return JSON.parse(input) as unknown; // a whole delivery kept as text
  } catch (error) {
    throw new UsageError(`the quarantine record ${shown} keeps a body that is not JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/** Event input larger than this is not an Event Grid delivery or dead-letter blob. */
const MAX_EVENT_INPUT_BYTES = 64 * 1024 * 1024;

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const { bytes, complete } = await readBounded(stream, MAX_EVENT_INPUT_BYTES);
  if (!complete) throw new Error(`the input is larger than ${MAX_EVENT_INPUT_BYTES} bytes`);
  return bytes.toString("utf8");
}
