import { app, type HttpHandler, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { appServices } from "../app/services";
import { errorResponse, readJsonBody } from "../recordingControl/httpEdge";
import type { RecordingControl } from "../recordingControl/recordingControl";
import { parseControlRequest, parseRecordingId } from "../recordingControl/requestValidation";

/** DELETE /api/recordings/{recordingId} (stop; `{ operationContext? }` optional) -> 200 `{}`. */
export function stopRecording(control: RecordingControl): HttpHandler {
  return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    try {
      const recordingId = parseRecordingId(request.params["recordingId"]);
      const { operationContext } = parseControlRequest(await readJsonBody(request, true));
      await control.stop(recordingId);
      context.info(`Stopped recording ${recordingId}${operationContext !== undefined ? ` [operationContext ${JSON.stringify(operationContext)}]` : ""}.`);
      return { status: 200, jsonBody: {} };
    } catch (error) {
      return errorResponse(error, context);
    }
  };
}

app.http("stopRecording", {
  route: "recordings/{recordingId}",
  methods: ["DELETE"],
  authLevel: "function",
  handler: stopRecording(appServices().recordingControl),
});
