import { app, type HttpHandler, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { appServices } from "../app/services";
import { errorResponse, readJsonBody } from "../recordingControl/httpEdge";
import type { RecordingControl } from "../recordingControl/recordingControl";
import { parseControlRequest, parseRecordingId } from "../recordingControl/requestValidation";

/** POST /api/recordings/{recordingId}/pause (`{ operationContext? }` optional) -> 202 `{}` when the service accepted it for asynchronous completion (as it does), 200 `{}` otherwise. */
export function pauseRecording(control: RecordingControl): HttpHandler {
  return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    try {
      const recordingId = parseRecordingId(request.params["recordingId"]);
      const { operationContext } = parseControlRequest(await readJsonBody(request, true));
      const outcome = await control.pause(recordingId);
      context.info(`${outcome.accepted ? "The service accepted the pause of" : "Paused"} recording ${recordingId}${operationContext !== undefined ? ` [operationContext ${JSON.stringify(operationContext)}]` : ""}.`);
      return { status: outcome.accepted ? 202 : 200, jsonBody: {} };
    } catch (error) {
      return errorResponse(error, context);
    }
  };
}

app.http("pauseRecording", {
  route: "recordings/{recordingId}/pause",
  methods: ["POST"],
  authLevel: "function",
  handler: pauseRecording(appServices().recordingControl),
});
