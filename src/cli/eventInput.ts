import { readFile } from "node:fs/promises";
import { UsageError } from "./usageError";

/**
 * The events of `--event <file|->`: one event object, or a JSON array of events (an Event Grid
 * delivery or dead-letter blob). Each element is still untrusted: validation happens afterwards.
 */
export async function readEventsInput(source: string, stdin: NodeJS.ReadableStream): Promise<unknown[]> {
  const shown = source === "-" ? "stdin" : source;
  let text: string;
  try {
    text = source === "-" ? await readAll(stdin) : await readFile(source, "utf8");
  } catch (error) {
    throw new UsageError(`cannot read ${shown}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`, { cause: error });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.replace(/^\uFEFF/, ""));
  } catch (error) {
    throw new UsageError(`${shown} is not JSON: ${(error as Error).message}`, { cause: error });
  }
  const events = Array.isArray(parsed) ? parsed : typeof parsed === "object" && parsed !== null ? [parsed] : undefined;
  if (!events) throw new UsageError(`${shown} must hold an event object or an array of events.`);
  if (events.length === 0) throw new UsageError(`${shown} is an empty array: there are no events.`);
  return events;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const pieces: Buffer[] = [];
  for await (const piece of stream as AsyncIterable<Buffer | string>) pieces.push(typeof piece === "string" ? Buffer.from(piece) : piece);
  return Buffer.concat(pieces).toString("utf8");
}
