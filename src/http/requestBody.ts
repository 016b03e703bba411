import { readBounded } from "../shared/bodyReading";

/** What an HTTP function's request offers: headers and a body stream (`HttpRequest` of @azure/functions). */
export interface RequestWithBody {
  readonly headers: { get(name: string): string | null };
  readonly body: ReadableStream<Uint8Array> | null;
}

/** A request body read whole as text, or why it was not: larger than the limit, still arriving at the deadline, or broken. */
export type RequestText = { readonly text: string } | { readonly problem: "tooLarge" | "timeout" | "unreadable" };

/**
 * The one way an HTTP function reads its request body (webhook, participants, recording control): as UTF-8 text,
 * counting bytes as they arrive. A declared Content-Length over `limit` is refused before reading; a body without one
 * (chunked) is refused as soon as its bytes pass the limit, and the rest is never read; a body still arriving when
 * `abortSignal` fires is dropped. Each API turns a problem into its own error.
 */
export async function readRequestText(
  request: RequestWithBody,
  limit: number,
  options: { abortSignal?: AbortSignal } = {},
): Promise<RequestText> {
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) > limit) return { problem: "tooLarge" };
  if (!request.body) return { text: "" };
  let read: { bytes: Buffer; complete: boolean };
  try {
    read = await readBounded(request.body, limit, options);
  } catch {
    return { problem: options.abortSignal?.aborted ? "timeout" : "unreadable" };
  }
  if (!read.complete) return { problem: "tooLarge" };
  return { text: new TextDecoder("utf-8").decode(read.bytes) };
}
