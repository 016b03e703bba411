import { app, type HttpHandler } from "@azure/functions";
import { appServices } from "../app/services";
import { recordingActionHandler } from "../recordingControl/httpEdge";
import type { RecordingControl } from "../recordingControl/recordingControl";

/** DELETE /api/recordings/{recordingId} (stop; `{ operationContext? }` optional) -> 200 `{}`. */
export function stopRecording(control: RecordingControl): HttpHandler {
  return recordingActionHandler((recordingId) => control.stop(recordingId), { noun: "stop", past: "Stopped" });
}

app.http("stopRecording", {
  route: "recordings/{recordingId}",
  methods: ["DELETE"],
  authLevel: "function",
  handler: stopRecording(appServices().recordingControl),
});
