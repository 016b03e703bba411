import {
  app,
  type HttpHandler,
  type HttpRequest,
  type HttpResponseInit,
  type InvocationContext,
} from "@azure/functions";
import { lazyService, type Lazy } from "../app/serviceProvider";
import { controlErrorResponse, controlFor } from "../recordingControl/httpEdge";
import type { RecordingControls } from "../recordingControl/recordingControls";
import { API_ROLES, protectedApi } from "../http/apiAccess";
import { escapingLog } from "../shared/logSafe";

/** GET /api/recordings/{recordingId}[?acsResource=<resource id or name>] -> 200 `{ recordingId, recordingState, recordingKind? }`. */
export function getRecordingState(control: Lazy<RecordingControls>): HttpHandler {
  return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    const log = escapingLog(context);
    try {
      return {
        status: 200,
        jsonBody: await controlFor(control, request, log).getState(request.params["recordingId"] ?? ""),
      };
    } catch (error) {
      return controlErrorResponse(error, log);
    }
  };
}

app.http("getRecordingState", {
  route: "recordings/{recordingId}",
  methods: ["GET"],
  authLevel: "admin",
  handler: protectedApi(
    {
      api: "recordingControl",
      action: "read recording state",
      role: API_ROLES.recordingControl,
      auditedParams: ["recordingId"],
    },
    getRecordingState(lazyService((services) => services.recordingControl)),
  ),
});
