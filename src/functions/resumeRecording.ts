import { app, type HttpHandler } from "@azure/functions";
import { lazyService, type Lazy } from "../app/serviceProvider";
import { recordingActionHandler } from "../recordingControl/httpEdge";
import type { RecordingControls } from "../recordingControl/recordingControls";
import { API_ROLES, protectedApi } from "../http/apiAccess";

/** POST /api/recordings/{recordingId}/resume (`{ operationContext? }` optional) -> 202 `{}` when the service accepted it for asynchronous completion (as it does), 200 `{}` otherwise. */
export function resumeRecording(control: Lazy<RecordingControls>): HttpHandler {
  return recordingActionHandler(control, (recording, recordingId) => recording.resume(recordingId), {
    noun: "resume",
    past: "Resumed",
  });
}

app.http("resumeRecording", {
  route: "recordings/{recordingId}/resume",
  methods: ["POST"],
  authLevel: "admin",
  handler: protectedApi(
    {
      api: "recordingControl",
      action: "resume recording",
      role: API_ROLES.recordingControl,
      auditedParams: ["recordingId"],
    },
    resumeRecording(lazyService((services) => services.recordingControl)),
  ),
});
