import { app, type HttpResponseInit } from "@azure/functions";
import { errorAnswer } from "../http/errorResponse";

/**
 * GET /api/archive/participants/{participantId}, the lookup of earlier versions, answers 410 Gone and points to
 * `POST /api/archive/participants/search`: a participant id in a URL ends up in the platform's request logs, which
 * erasure cannot reach. 410 rather than 404: a client sees the route was retired on purpose, not that a participant
 * or recording is unknown. The id in the path is neither read nor logged.
 */
export function participantLookupMoved(): Promise<HttpResponseInit> {
  return Promise.resolve(
    errorAnswer("participants", {
      code: "ParticipantLookupMoved",
      message:
        'This route is retired: participant ids in URLs end up in request logs. Send POST /api/archive/participants/search with the JSON body { "participantId": "…" } instead.',
    }),
  );
}

app.http("participantLookupMoved", {
  route: "archive/participants/{participantId}",
  methods: ["GET"],
  authLevel: "function",
  handler: participantLookupMoved,
});
