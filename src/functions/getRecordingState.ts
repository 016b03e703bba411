import { app, type HttpHandler, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { lazyService, type Lazy } from "../app/serviceProvider";
import { controlErrorResponse } from "../recordingControl/httpEdge";
import type { RecordingControl } from "../recordingControl/recordingControl";
import { escapingLog } from "../shared/logSafe";

/** GET /api/recordings/{recordingId} -> 200 `{ recordingId, recordingState, recordingKind? }`. */
export function getRecordingState(control: Lazy<RecordingControl>): HttpHandler {
  return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    try {
      return { status: 200, jsonBody: await control().getState(request.params["recordingId"] ?? "") };
    } catch (error) {
      return controlErrorResponse(error, escapingLog(context));
    }
  };
}

app.http("getRecordingState", {
  route: "recordings/{recordingId}",
  methods: ["GET"],
  authLevel: "function",
  handler: getRecordingState(lazyService((services) => services.recordingControl)),
});
