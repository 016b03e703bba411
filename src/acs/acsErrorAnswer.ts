import { discardBody, readBounded } from "../shared/bodyReading";
import type { AbortOptions } from "../shared/cancellation";

/**
 * What an ACS error answer (any status the caller did not ask to stream) is allowed to cost: its body is
 * read to at most a bounded prefix, with an idle timeout, and then the connection is dropped — a 503
 * whose body never ends must not grow memory or hold the invocation.
 */

/** Error bodies are read to at most this prefix, then the connection is dropped. */
const MAX_ERROR_BODY_BYTES = 64 * 1024;
/** No byte of an error body for this long: the rest is not waited for. */
const ERROR_BODY_IDLE_MS = 10_000;

/** The start of an error body, for the message: a bounded prefix read with an idle timeout, then the connection is dropped. */
export async function errorDetail(
  body: NodeJS.ReadableStream | undefined,
  { abortSignal: signal }: AbortOptions = {},
): Promise<string> {
  if (!body) return "";
  try {
    const { bytes } = await readBounded(body, MAX_ERROR_BODY_BYTES, {
      idleTimeoutMs: ERROR_BODY_IDLE_MS,
      ...(signal ? { abortSignal: signal } : {}),
    });
    return summarize(bytes.toString("utf8"));
  } catch {
    return "(the error body did not arrive)";
  } finally {
    discardBody(body);
  }
}

function summarize(body: string): string {
  return body.replace(/\s+/g, " ").slice(0, 200);
}

/** Retry-After in seconds or as an HTTP date, in ms from now. */
export function retryAfterMs(value: string | undefined): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}
