import { InvalidDeliveryError } from "../errors";
import { readRequestText, type RequestWithBody } from "../http/requestBody";

/** Event Grid's maximum delivery size; larger bodies are refused with 413. */
const MAX_DELIVERY_BYTES = 1024 * 1024;

/**
 * Reads a webhook body as UTF-8 text within `limit` bytes (Event Grid's maximum by default) and before `abortSignal`
 * fires (src/http/requestBody.ts). Throws InvalidDeliveryError (`BodyTooLarge`, `BodyTimeout`, `InvalidBody`).
 */
export async function readDeliveryBody(
  request: RequestWithBody,
  options: { abortSignal?: AbortSignal; limit?: number } = {},
): Promise<string> {
  const limit = options.limit ?? MAX_DELIVERY_BYTES;
  const read = await readRequestText(request, limit, options);
  if ("text" in read) return read.text;
  switch (read.problem) {
    case "tooLarge":
      throw new InvalidDeliveryError(
        "BodyTooLarge",
        `The body is larger than ${limit} bytes, Event Grid's maximum delivery size.`,
      );
    case "timeout":
      throw new InvalidDeliveryError("BodyTimeout", "The body did not arrive in time; nothing of it was processed.");
    case "unreadable":
      throw new InvalidDeliveryError("InvalidBody", "The body could not be read to its end.");
  }
}
