import { app, type HttpHandler } from "@azure/functions";
import { appServices } from "../app/services";
import { recordingActionHandler } from "../recordingControl/httpEdge";
import type { RecordingControl } from "../recordingControl/recordingControl";

/** POST /api/recordings/{recordingId}/pause (`{ operationContext? }` optional) -> 202 `{}` when the service accepted it for asynchronous completion (as it does), 200 `{}` otherwise. */
export function pauseRecording(control: RecordingControl): HttpHandler {
  return recordingActionHandler((recordingId) => control.pause(recordingId), { noun: "pause", past: "Paused" });
}

app.http("pauseRecording", {
  route: "recordings/{recordingId}/pause",
  methods: ["POST"],
  authLevel: "function",
  handler: pauseRecording(appServices().recordingControl),
});
