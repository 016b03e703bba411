import { readBounded } from "../http/bodyReading";
import { isRecord } from "../shared/untrustedJson";
import { MAX_CONTINUATION_TOKEN } from "./continuationToken";
import { InvalidSearchRequestError } from "./participantErrors";
import { participantIdProblem } from "./participantKey";
import { MAX_PAGE_SIZE } from "./participantSearch";

/** A search body is an id, a token and a number: a few KiB at most. */
const MAX_BODY_BYTES = 8 * 1024;
/** The body must have arrived within this (the host has usually buffered it already). */
const BODY_DEADLINE_MS = 10_000;

export interface SearchRequest {
  readonly participantId: string;
  readonly continuationToken?: string;
  readonly pageSize?: number;
}

/** What a search request offers: headers and a body stream (`HttpRequest` of @azure/functions). */
interface SearchHttpRequest {
  readonly headers: { get(name: string): string | null };
  readonly body: ReadableStream<Uint8Array> | null;
}

/**
 * Reads `POST /api/archive/participants/search`: a JSON body `{ "participantId": "…", "continuationToken"?: "…",
 * "pageSize"?: n }`, read with a size bound and a deadline. The id travels only in the body, never in a URL (request
 * URLs are logged by the platform). Throws InvalidSearchRequestError.
 */
export async function readSearchRequest(request: SearchHttpRequest): Promise<SearchRequest> {
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) > MAX_BODY_BYTES) throw tooLarge();
  let text = "";
  if (request.body) {
    let read: { bytes: Buffer; complete: boolean };
    try {
      read = await readBounded(request.body, MAX_BODY_BYTES, { signal: AbortSignal.timeout(BODY_DEADLINE_MS) });
    } catch {
      throw new InvalidSearchRequestError("InvalidRequest", "The body could not be read to its end in time.");
    }
    if (!read.complete) throw tooLarge();
    text = new TextDecoder("utf-8").decode(read.bytes);
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new InvalidSearchRequestError("InvalidRequest", 'The body must be JSON: { "participantId": "…" }.');
  }
  if (!isRecord(body)) throw new InvalidSearchRequestError("InvalidRequest", 'The body must be a JSON object: { "participantId": "…" }.');
  const { participantId, continuationToken, pageSize } = body;
  if (typeof participantId !== "string") throw new InvalidSearchRequestError("InvalidParticipantId", "participantId is required: a string.", "participantId");
  const problem = participantIdProblem(participantId);
  if (problem) throw new InvalidSearchRequestError("InvalidParticipantId", `participantId ${problem}.`, "participantId");
  if (
    continuationToken !== undefined &&
    (typeof continuationToken !== "string" || continuationToken === "" || continuationToken.length > MAX_CONTINUATION_TOKEN)
  )
    throw new InvalidSearchRequestError("InvalidRequest", "continuationToken must be the string a previous answer gave.", "continuationToken");
  if (pageSize !== undefined && (typeof pageSize !== "number" || !Number.isSafeInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE))
    throw new InvalidSearchRequestError("InvalidRequest", `pageSize must be a whole number from 1 to ${MAX_PAGE_SIZE}.`, "pageSize");
  return { participantId, ...(continuationToken ? { continuationToken } : {}), ...(pageSize ? { pageSize } : {}) };
}

function tooLarge(): InvalidSearchRequestError {
  return new InvalidSearchRequestError("BodyTooLarge", `The body is larger than ${MAX_BODY_BYTES} bytes.`);
}
