import { app, type HttpHandler, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { appServices, type AppServices } from "../app/services";
import { describeError } from "../errors";
import { findParticipant } from "../participants/participantFind";
import { participantIdProblem } from "../participants/participantKey";

/**
 * GET /api/archive/participants/{participantId} -> 200 with what `participants find --json` prints:
 * the participant as its keyed hash, every archived recording (call, start, chunks, blobs, bytes,
 * complete). 503 while PARTICIPANT_INDEX_KEY is not set. The raw id is never logged or echoed.
 */
export function getParticipantRecordings(participants: AppServices["participants"]): HttpHandler {
  return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    if (!participants) {
      return { status: 503, jsonBody: { error: { code: "ParticipantIndexDisabled", message: "The participant index is disabled: set PARTICIPANT_INDEX_KEY." } } };
    }
    const participantId = request.params["participantId"] ?? "";
    const problem = participantIdProblem(participantId);
    if (problem) return { status: 400, jsonBody: { error: { code: "InvalidParticipantId", message: `participantId ${problem}.`, target: "participantId" } } };
    try {
      const found = await findParticipant(participants.index, participants.recordings, participantId);
      context.info(`Participant ${found.participant.slice(0, 12)}…: ${found.totals.recordings} recording(s).`);
      return { status: 200, jsonBody: found };
    } catch (error) {
      context.error(`Participant lookup failed: ${describeError(error)}`);
      return { status: 503, jsonBody: { error: { code: "StorageUnavailable", message: "The archive or the participant index could not be read; try again." } } };
    }
  };
}

app.http("getParticipantRecordings", {
  route: "archive/participants/{participantId}",
  methods: ["GET"],
  authLevel: "function",
  handler: getParticipantRecordings(appServices().participants),
});
