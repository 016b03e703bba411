import { app, type HttpHandler, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { appServices } from "../app/services";
import { errorResponse, readJsonBody } from "../recordingControl/httpEdge";
import type { RecordingControl } from "../recordingControl/recordingControl";
import { parseControlRequest, parseRecordingId } from "../recordingControl/requestValidation";

/** POST /api/recordings/{recordingId}/resume (`{ operationContext? }` optional) -> 202 `{}` when the service accepted it for asynchronous completion (as it does), 200 `{}` otherwise. */
export function resumeRecording(control: RecordingControl): HttpHandler {
  return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    try {
      const recordingId = parseRecordingId(request.params["recordingId"]);
      const { operationContext } = parseControlRequest(await readJsonBody(request, true));
      const outcome = await control.resume(recordingId);
      context.info(`${outcome.accepted ? "The service accepted the resume of" : "Resumed"} recording ${recordingId}${operationContext !== undefined ? ` [operationContext ${JSON.stringify(operationContext)}]` : ""}.`);
      return { status: outcome.accepted ? 202 : 200, jsonBody: {} };
    } catch (error) {
      return errorResponse(error, context);
    }
  };
}

app.http("resumeRecording", {
  route: "recordings/{recordingId}/resume",
  methods: ["POST"],
  authLevel: "function",
  handler: resumeRecording(appServices().recordingControl),
});
