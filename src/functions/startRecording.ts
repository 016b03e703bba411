import { app, type HttpHandler, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { lazyService, type Lazy } from "../app/serviceProvider";
import { controlErrorResponse, readJsonBody } from "../recordingControl/httpEdge";
import type { RecordingControl } from "../recordingControl/recordingControl";
import { parseStartRecordingRequest } from "../recordingControl/requestValidation";
import { escapingLog } from "../shared/logSafe";

/**
 * POST /api/recordings `{ serverCallId | conversationId | conversationUrl, operationContext?, recordingStateCallbackUri?,
 * content?, channel?, format? }` -> 200 `{ recordingId, recordingState, recordingKind?, serverCallId, operationContext? }`.
 */
export function startRecording(control: Lazy<RecordingControl>): HttpHandler {
  return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    const log = escapingLog(context);
    try {
      const recording = control();
      const start = parseStartRecordingRequest(await readJsonBody(request, false));
      const started = await recording.start(start);
      log.info(
        `Started recording ${started.recordingId} (${started.recordingState}) of server call ${start.serverCallId}` +
          (start.operationContext !== undefined ? ` [operationContext ${JSON.stringify(start.operationContext)}]` : "") +
          ".",
      );
      return {
        status: 200,
        jsonBody: {
          ...started,
          serverCallId: start.serverCallId,
          ...(start.operationContext !== undefined ? { operationContext: start.operationContext } : {}),
        },
      };
    } catch (error) {
      return controlErrorResponse(error, log);
    }
  };
}

app.http("startRecording", {
  route: "recordings",
  methods: ["POST"],
  authLevel: "function",
  handler: startRecording(lazyService((services) => services.recordingControl)),
});
