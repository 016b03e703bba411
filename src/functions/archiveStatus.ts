import { app, type HttpHandler, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { appServices } from "../app/services";
import type { CallStatusReader } from "../catalog/callStatus";
import { describeError } from "../errors";

const MAX_CALL_ID_LENGTH = 1024;

/** `GET /api/archive/calls/{callId}` (function key): every recording of the call and the state of each chunk. */
export function archiveStatus(reader: CallStatusReader): HttpHandler {
  return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    const call = request.params["callId"] ?? "";
    if (call.trim() === "" || call.length > MAX_CALL_ID_LENGTH) {
      return errorResponse(400, "InvalidCallId", `callId must be 1 to ${MAX_CALL_ID_LENGTH} characters.`);
    }
    try {
      const status = await reader.read(call);
      if (!status) return errorResponse(404, "CallNotFound", "The archive has never seen this call (no recording, chunk or outcome).");
      return { status: 200, jsonBody: status };
    } catch (error) {
      context.error(`Reading the archive status failed: ${describeError(error)}`);
      return { ...errorResponse(503, "StorageUnavailable", "The archive could not be read; retry later."), headers: { "Retry-After": "10" } };
    }
  };
}

function errorResponse(status: number, code: string, message: string): HttpResponseInit {
  return { status, jsonBody: { error: { code, message } } };
}

app.http("archiveStatus", {
  route: "archive/calls/{callId}",
  methods: ["GET"],
  authLevel: "function",
  handler: archiveStatus(appServices().callStatus),
});
