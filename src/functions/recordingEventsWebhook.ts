import { app, type HttpHandler, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { appServices } from "../app/services";
import { describeError, InvalidDeliveryError, StorageUnavailableError } from "../errors";
import type { RecordingIntake } from "../intake/recordingIntake";
import { MAX_DELIVERY_BYTES, readWebhookDelivery } from "../intake/webhookDelivery";

const HANDLED_METHODS = ["POST", "OPTIONS"];

/** HTTP webhook for an Event Grid subscription of endpoint type "Web Hook" (Event Grid or CloudEvents schema). */
export function recordingEventsWebhook(intake: RecordingIntake): HttpHandler {
  return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    if (request.method === "OPTIONS") return abuseProtectionHandshake(request);
    if (request.method !== "POST") {
      return { ...errorResponse(405, "MethodNotAllowed", `${request.method} is not supported; Event Grid POSTs events here.`), headers: { Allow: HANDLED_METHODS.join(", ") } };
    }
    const declaredLength = Number(request.headers.get("content-length") ?? "0");
    if (declaredLength > MAX_DELIVERY_BYTES) {
      return errorResponse(413, "BodyTooLarge", `The body is larger than ${MAX_DELIVERY_BYTES} bytes, Event Grid's maximum delivery size.`);
    }
    const body = await request.text();
    try {
      const delivery = readWebhookDelivery(body, request.headers);
      if (delivery.kind === "validation") {
        context.info("Answered the Event Grid subscription validation handshake.");
        return { status: 200, jsonBody: { validationResponse: delivery.validationCode } };
      }
      if (delivery.kind === "subscriptionDeleted") {
        context.warn("Event Grid reports that this subscription was deleted.");
        return { status: 200 };
      }
      const report = await intake.receive(delivery.events, "webhook", context);
      return { status: 200, jsonBody: report };
    } catch (error) {
      return await failureResponse(error, body, intake, context);
    }
  };
}

/** CloudEvents 1.0 abuse protection: allow the requesting origin to deliver to us. */
function abuseProtectionHandshake(request: HttpRequest): HttpResponseInit {
  const origin = request.headers.get("webhook-request-origin");
  if (!origin) return errorResponse(400, "MissingOrigin", "OPTIONS requests must carry a WebHook-Request-Origin header (CloudEvents abuse protection).");
  return { status: 200, headers: { "WebHook-Allowed-Origin": origin, "WebHook-Allowed-Rate": "*", Allow: HANDLED_METHODS.join(", ") } };
}

async function failureResponse(error: unknown, body: string, intake: RecordingIntake, context: InvocationContext): Promise<HttpResponseInit> {
  if (error instanceof InvalidDeliveryError) {
    const status = error.code === "BodyTooLarge" ? 413 : error.code === "UnsupportedMediaType" ? 415 : 400;
    if (status !== 413) await intake.rejectDelivery(body, error, "webhook", context).catch(() => context.error("The rejected delivery could not be quarantined either."));
    return errorResponse(status, error.code, error.message);
  }
  if (error instanceof StorageUnavailableError) {
    context.error(`Storage unavailable; asking Event Grid to retry: ${error.message}`);
    return { ...errorResponse(503, error.code, "Storage is unavailable; retry later."), headers: { "Retry-After": "10" } };
  }
  context.error(`Unexpected failure handling a delivery: ${describeError(error)}`);
  return errorResponse(500, "InternalError", "The delivery could not be processed; retry later.");
}

function errorResponse(status: number, code: string, message: string): HttpResponseInit {
  return { status, jsonBody: { error: { code, message } } };
}

app.http("recordingEventsWebhook", {
  route: "recording-events",
  methods: ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"],
  authLevel: "function",
  handler: recordingEventsWebhook(appServices().intake),
});
