import { app, type HttpHandler, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { lazyService, type Lazy } from "../app/serviceProvider";
import type { ParticipantLookup } from "../app/services";
import { AppNotConfiguredError, describeError } from "../errors";
import { errorResponse, notConfiguredResponse } from "../http/errorResponse";
import { participantIdProblem } from "../participants/participantKey";
import { escapingLog } from "../shared/logSafe";

/**
 * GET /api/archive/participants/{participantId} -> 200 with what `participants find --json` prints:
 * the participant as its keyed hash, every archived recording (call, start, chunks, blobs, bytes,
 * complete). 503 while PARTICIPANT_INDEX_KEY is not set. The raw id is never logged or echoed.
 */
export function getParticipantRecordings(participantsOf: Lazy<ParticipantLookup | undefined>): HttpHandler {
  return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    const participantId = request.params["participantId"] ?? "";
    const problem = participantIdProblem(participantId);
    if (problem) return errorResponse(400, { code: "InvalidParticipantId", message: `participantId ${problem}.`, target: "participantId" }, "error");
    try {
      const participants = participantsOf();
      if (!participants)
        return errorResponse(503, { code: "ParticipantIndexDisabled", message: "The participant index is disabled: set PARTICIPANT_INDEX_KEY." }, "error");
      const found = await participants.find(participantId);
      escapingLog(context).info(`Participant ${found.participant.slice(0, 12)}…: ${found.totals.recordings} recording(s).`);
      return { status: 200, jsonBody: found };
    } catch (error) {
      if (error instanceof AppNotConfiguredError) return notConfiguredResponse(error, "error");
      escapingLog(context).error(`Participant lookup failed: ${describeError(error)}`);
      return errorResponse(503, { code: "StorageUnavailable", message: "The archive or the participant index could not be read; try again." }, "error");
    }
  };
}

app.http("getParticipantRecordings", {
  route: "archive/participants/{participantId}",
  methods: ["GET"],
  authLevel: "function",
  handler: getParticipantRecordings(lazyService((services) => services.participants)),
});
