import { InvalidDeliveryError } from "../errors";
import { readBounded } from "../shared/bodyReading";

/** Event Grid's maximum delivery size; larger bodies are refused with 413. */
const MAX_DELIVERY_BYTES = 1024 * 1024;

/** What a webhook request offers: headers and a body stream (`HttpRequest` of @azure/functions). */
export interface DeliveryRequest {
  readonly headers: { get(name: string): string | null };
  readonly body: ReadableStream<Uint8Array> | null;
}

/**
 * Reads a webhook body as UTF-8 text, counting bytes as they arrive: a declared Content-Length over
 * `limit` is refused before reading, and a body without one (chunked) is refused as soon as its bytes
 * pass the limit — the rest is never read. A body still arriving when `deadline` fires is refused too.
 * Throws InvalidDeliveryError (`BodyTooLarge`, `BodyTimeout`).
 */
export async function readDeliveryBody(request: DeliveryRequest, deadline: AbortSignal, limit: number = MAX_DELIVERY_BYTES): Promise<string> {
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) > limit) throw tooLarge(limit);
  if (!request.body) return "";
  let read: { bytes: Buffer; complete: boolean };
  try {
    // Stops at the limit (the rest is never read) or at the deadline; either way the body is dropped.
    read = await readBounded(request.body, limit, { signal: deadline });
  } catch (error) {
    throw deadline.aborted
      ? new InvalidDeliveryError("BodyTimeout", "The body did not arrive in time; nothing of it was processed.", { cause: error })
      : new InvalidDeliveryError("InvalidBody", "The body could not be read to its end.", { cause: error });
  }
  if (!read.complete) throw tooLarge(limit);
  return new TextDecoder("utf-8").decode(read.bytes);
}

function tooLarge(limit: number): InvalidDeliveryError {
  return new InvalidDeliveryError("BodyTooLarge", `The body is larger than ${limit} bytes, Event Grid's maximum delivery size.`);
}
