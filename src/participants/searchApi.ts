/*
 * The participants API's request and answer (`POST /api/archive/participants/search`). Light on purpose: the function
 * file loads it at start, and nothing here may load the Storage SDK (the app loads that on its first invocation).
 */
import { readRequestText, type RequestWithBody } from "../http/requestBody";
import { isRecord } from "../shared/untrustedJson";
import { MAX_CONTINUATION_TOKEN } from "./continuationToken";
import { InvalidSearchRequestError } from "./participantErrors";
import { participantIdProblem } from "./participantKey";
import type { SearchPage, SkippedEntry } from "./participantSearch";
import type { ChunkSummary } from "./chunkInventory";

/** Entries per page of the participants API by default, and at most (each costs a metadata read and a listing). */
export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;
/** A search body is an id, a token and a number: a few KiB at most. */
const MAX_BODY_BYTES = 8 * 1024;
/** The body must have arrived within this (the host has usually buffered it already). */
const BODY_DEADLINE_MS = 10_000;

export interface SearchRequest {
  readonly participantId: string;
  readonly continuationToken?: string;
  readonly pageSize?: number;
}

/**
 * Reads `POST /api/archive/participants/search`: a JSON body `{ "participantId": "…", "continuationToken"?: "…",
 * "pageSize"?: n }`, read with a size bound and a deadline. The id travels only in the body, never in a URL (request
 * URLs are logged by the platform). Throws InvalidSearchRequestError.
 */
export async function readSearchRequest(request: RequestWithBody): Promise<SearchRequest> {
  const read = await readRequestText(request, MAX_BODY_BYTES, { abortSignal: AbortSignal.timeout(BODY_DEADLINE_MS) });
  if ("problem" in read) {
    if (read.problem === "tooLarge") throw tooLarge();
    throw new InvalidSearchRequestError("InvalidRequest", "The body could not be read to its end in time.");
  }
  const text = read.text;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new InvalidSearchRequestError("InvalidRequest", 'The body must be JSON: { "participantId": "…" }.');
  }
  if (!isRecord(body))
    throw new InvalidSearchRequestError("InvalidRequest", 'The body must be a JSON object: { "participantId": "…" }.');
  const { participantId, continuationToken, pageSize } = body;
  if (typeof participantId !== "string")
    throw new InvalidSearchRequestError(
      "InvalidParticipantId",
      "participantId is required: a string.",
      "participantId",
    );
  const problem = participantIdProblem(participantId);
  if (problem)
    throw new InvalidSearchRequestError("InvalidParticipantId", `participantId ${problem}.`, "participantId");
  if (
    continuationToken !== undefined &&
    (typeof continuationToken !== "string" ||
      continuationToken === "" ||
      continuationToken.length > MAX_CONTINUATION_TOKEN)
  )
    throw new InvalidSearchRequestError(
      "InvalidRequest",
      "continuationToken must be the string a previous answer gave.",
      "continuationToken",
    );
  if (
    pageSize !== undefined &&
    (typeof pageSize !== "number" || !Number.isSafeInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE)
  )
    throw new InvalidSearchRequestError(
      "InvalidRequest",
      `pageSize must be a whole number from 1 to ${MAX_PAGE_SIZE}.`,
      "pageSize",
    );
  return { participantId, ...(continuationToken ? { continuationToken } : {}), ...(pageSize ? { pageSize } : {}) };
}

function tooLarge(): InvalidSearchRequestError {
  return new InvalidSearchRequestError("BodyTooLarge", `The body is larger than ${MAX_BODY_BYTES} bytes.`);
}

/** What `POST /api/archive/participants/search` answers for one page: no keyed hash, no raw id. */
export interface SearchAnswer {
  /** This page holds at least one chunk of the participant. */
  readonly matched: boolean;
  readonly message: string;
  readonly chunks: readonly ChunkSummary[];
  readonly skipped: readonly SkippedEntry[];
  /** Index entries of an older version on this page (whole recordings, not searched until reindex). */
  readonly legacyEntries: number;
  /** Blob names under this page's chunks that are not usable as names: refused. */
  readonly unsafeNames: number;
  /** First page only: chunks of the archive whose metadata could not be indexed (nobody can be found in them). */
  readonly flaggedChunks?: number;
  /** Present when more entries follow: send it back, with the same participantId, for the next page. */
  readonly continuationToken?: string;
}

export function searchAnswer(page: SearchPage, flaggedChunks: number | undefined): SearchAnswer {
  const more = page.continuationToken !== undefined;
  const found = page.chunks.length;
  const base =
    found > 0
      ? `${found} archived chunk(s) on this page list this participant.${more ? " More may follow: send continuationToken back for the next page." : ""}`
      : more
        ? "No chunk of this participant on this page; more entries follow: send continuationToken back for the next page."
        : flaggedChunks === undefined
          ? "No further archived chunk lists this participant."
          : "No archived chunk lists this participant.";
  const legacy =
    page.legacyFolders.length === 0
      ? ""
      : ` ${page.legacyFolders.length} index entr${page.legacyFolders.length === 1 ? "y" : "ies"} of an older version name whole recordings and were not searched: run "recording-archiver participants reindex".`;
  const flagged = flaggedChunks
    ? ` ${flaggedChunks} archived chunk(s) have metadata that could not be indexed: they cannot be searched (see "participants find").`
    : "";
  return {
    matched: found > 0,
    message: `${base}${legacy}${flagged}`,
    chunks: page.chunks,
    skipped: page.skipped,
    legacyEntries: page.legacyFolders.length,
    unsafeNames: page.unsafeNames.length,
    ...(flaggedChunks === undefined ? {} : { flaggedChunks }),
    ...(page.continuationToken ? { continuationToken: page.continuationToken } : {}),
  };
}
