import {
  app,
  type HttpHandler,
  type HttpRequest,
  type HttpResponseInit,
  type InvocationContext,
} from "@azure/functions";
import { lazyService, type Lazy } from "../app/serviceProvider";
import { controlErrorResponse, controlFor, readJsonBody } from "../recordingControl/httpEdge";
import type { RecordingControls } from "../recordingControl/recordingControls";
import { parseStartRecordingRequest } from "../recordingControl/requestValidation";
import { escapingLog } from "../shared/logSafe";
import { API_ROLES, protectedApi } from "../http/apiAccess";

/**
 * POST /api/recordings[?acsResource=<resource id or name>] `{ serverCallId | conversationId | conversationUrl, operationContext?, recordingStateCallbackUri?,
 * content?, channel?, format? }` -> 200 `{ recordingId, recordingState, recordingKind?, serverCallId, operationContext? }`.
 */
export function startRecording(control: Lazy<RecordingControls>): HttpHandler {
  return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    const log = escapingLog(context);
    try {
      const recording = controlFor(control, request, log);
      const start = parseStartRecordingRequest(await readJsonBody(request, false));
      const started = await recording.start(start);
      log.info(
        `Started recording ${started.recordingId} (${started.recordingState}) of server call ${start.serverCallId}` +
          (recording.resourceName !== undefined ? ` on ACS resource ${recording.resourceName}` : "") +
          (start.operationContext !== undefined
            ? ` [operationContext ${JSON.stringify(start.operationContext)}]`
            : "") +
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
  authLevel: "admin",
  handler: protectedApi(
    { api: "recordingControl", action: "start recording", role: API_ROLES.recordingControl },
    startRecording(lazyService((services) => services.recordingControl)),
  ),
});
