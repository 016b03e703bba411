import { app, type HttpHandler } from "@azure/functions";
import { lazyService, type Lazy } from "../app/serviceProvider";
import { recordingActionHandler } from "../recordingControl/httpEdge";
import type { RecordingControls } from "../recordingControl/recordingControls";
import { API_ROLES, protectedApi } from "../http/apiAccess";

/** POST /api/recordings/{recordingId}/pause (`{ operationContext? }` optional) -> 202 `{}` when the service accepted it for asynchronous completion (as it does), 200 `{}` otherwise. */
export function pauseRecording(control: Lazy<RecordingControls>): HttpHandler {
  return recordingActionHandler(control, (recording, recordingId) => recording.pause(recordingId), {
    noun: "pause",
    past: "Paused",
  });
}

app.http("pauseRecording", {
  route: "recordings/{recordingId}/pause",
  methods: ["POST"],
  authLevel: "admin",
  handler: protectedApi(
    {
      api: "recordingControl",
      action: "pause recording",
      role: API_ROLES.recordingControl,
      auditedParams: ["recordingId"],
    },
    pauseRecording(lazyService((services) => services.recordingControl)),
  ),
});
