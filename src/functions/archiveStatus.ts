import {
  app,
  type HttpHandler,
  type HttpRequest,
  type HttpResponseInit,
  type InvocationContext,
} from "@azure/functions";
import { lazyService, type Lazy } from "../app/serviceProvider";
import type { CallStatusReader } from "../catalog/callStatus";
import { AppNotConfiguredError, describeError } from "../errors";
import { errorAnswer, toErrorResponse } from "../http/errorResponse";
import { escapingLog } from "../shared/logSafe";

const MAX_CALL_ID_LENGTH = 1024;

/** `GET /api/archive/calls/{callId}` (function key): every recording of the call and the state of each chunk. */
export function archiveStatus(reader: Lazy<CallStatusReader>): HttpHandler {
  return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    const call = request.params["callId"] ?? "";
    if (call.trim() === "" || call.length > MAX_CALL_ID_LENGTH) {
      return errorAnswer("archiveStatus", {
        code: "InvalidCallId",
        message: `callId must be 1 to ${MAX_CALL_ID_LENGTH} characters.`,
        target: "callId",
      });
    }
    try {
      const status = await reader().read(call);
      if (!status)
        return errorAnswer("archiveStatus", {
          code: "CallNotFound",
          message: "The archive has never seen this call (no recording, chunk or outcome).",
        });
      return { status: 200, jsonBody: status };
    } catch (error) {
      if (!(error instanceof AppNotConfiguredError))
        escapingLog(context).error(`Reading the archive status failed: ${describeError(error)}`);
      return toErrorResponse(error, "archiveStatus");
    }
  };
}

app.http("archiveStatus", {
  route: "archive/calls/{callId}",
  methods: ["GET"],
  authLevel: "function",
  handler: archiveStatus(lazyService((services) => services.callStatus)),
});
