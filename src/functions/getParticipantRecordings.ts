import {
  app,
  type HttpHandler,
  type HttpRequest,
  type HttpResponseInit,
  type InvocationContext,
} from "@azure/functions";
import { lazyService, type Lazy } from "../app/serviceProvider";
import type { ParticipantLookup } from "../app/services";
import { AppNotConfiguredError, describeError } from "../errors";
import { errorAnswer, toErrorResponse } from "../http/errorResponse";
import {
  InvalidContinuationTokenError,
  InvalidSearchRequestError,
  ParticipantIndexKeyError,
} from "../participants/participantErrors";
import { API_ROLES, protectedApi } from "../http/apiAccess";
import { readSearchRequest, searchAnswer } from "../participants/searchApi";
import { escapingLog } from "../shared/logSafe";

/** Flagged chunks counted on a first page at most. */
const MAX_FLAGGED_COUNTED = 1_000;

/**
 * POST /api/archive/participants/search with `{ "participantId": "…", "continuationToken"?: "…", "pageSize"?: n }`
 * -> 200 with one page of the chunks whose own metadata lists the participant (no keyed hash, no raw id), and a
 * continuationToken while more follow. The id is taken from the body only: request URLs are logged by the platform.
 * 400 for a bad body or token, 409 when PARTICIPANT_INDEX_KEY is not the index's key, 503 while the index is
 * disabled or Storage cannot be read. The raw id is never logged or echoed.
 */
export function getParticipantRecordings(participantsOf: Lazy<ParticipantLookup | undefined>): HttpHandler {
  return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    const log = escapingLog(context);
    try {
      const search = await readSearchRequest(request);
      const participants = participantsOf();
      if (!participants)
        return errorAnswer("participants", {
          code: "ParticipantIndexDisabled",
          message: "The participant index is disabled: set PARTICIPANT_INDEX_KEY.",
        });
      const page = await participants.search(search.participantId, {
        ...(search.continuationToken ? { continuationToken: search.continuationToken } : {}),
        ...(search.pageSize ? { pageSize: search.pageSize } : {}),
      });
      const flagged = search.continuationToken
        ? undefined
        : (await participants.index.flagged(MAX_FLAGGED_COUNTED)).chunks.length;
      log.info(
        `Participant search: ${page.chunks.length} chunk(s) on this page, ${page.skipped.length} entr(ies) skipped${page.continuationToken ? ", more follow" : ""}.`,
      );
      return { status: 200, jsonBody: searchAnswer(page, flagged) };
    } catch (error) {
      if (error instanceof ParticipantIndexKeyError) log.error(`Participant search refused: ${error.message}`);
      else if (!(
        error instanceof InvalidSearchRequestError ||
        error instanceof InvalidContinuationTokenError ||
        error instanceof AppNotConfiguredError
      ))
        log.error(`Participant search failed: ${describeError(error)}`);
      return toErrorResponse(error, "participants");
    }
  };
}

app.http("getParticipantRecordings", {
  route: "archive/participants/search",
  methods: ["POST"],
  authLevel: "admin",
  handler: protectedApi(
    { api: "participants", action: "search participant recordings", role: API_ROLES.participants },
    getParticipantRecordings(lazyService((services) => services.participants)),
  ),
});
