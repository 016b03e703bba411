import { app, type HttpHandler } from "@azure/functions";
import { appServices } from "../app/services";
import { recordingActionHandler } from "../recordingControl/httpEdge";
import type { RecordingControl } from "../recordingControl/recordingControl";

/** POST /api/recordings/{recordingId}/resume (`{ operationContext? }` optional) -> 202 `{}` when the service accepted it for asynchronous completion (as it does), 200 `{}` otherwise. */
export function resumeRecording(control: RecordingControl): HttpHandler {
  return recordingActionHandler((recordingId) => control.resume(recordingId), { noun: "resume", past: "Resumed" });
}

app.http("resumeRecording", {
  route: "recordings/{recordingId}/resume",
  methods: ["POST"],
  authLevel: "function",
  handler: resumeRecording(appServices().recordingControl),
});
