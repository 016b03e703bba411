import { app, type HttpHandler } from "@azure/functions";
import { lazyService, type Lazy } from "../app/serviceProvider";
import { recordingActionHandler } from "../recordingControl/httpEdge";
import type { RecordingControls } from "../recordingControl/recordingControls";
import { API_ROLES, protectedApi } from "../http/apiAccess";

/** DELETE /api/recordings/{recordingId} (stop; `{ operationContext? }` optional) -> 200 `{}`. */
export function stopRecording(control: Lazy<RecordingControls>): HttpHandler {
  return recordingActionHandler(control, (recording, recordingId) => recording.stop(recordingId), {
    noun: "stop",
    past: "Stopped",
  });
}

app.http("stopRecording", {
  route: "recordings/{recordingId}",
  methods: ["DELETE"],
  authLevel: "admin",
  handler: protectedApi(
    {
      api: "recordingControl",
      action: "stop recording",
      role: API_ROLES.recordingControl,
      auditedParams: ["recordingId"],
    },
    stopRecording(lazyService((services) => services.recordingControl)),
  ),
});
