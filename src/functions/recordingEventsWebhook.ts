import { app, type HttpHandler, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { lazyService, type Lazy } from "../app/serviceProvider";
import { AppNotConfiguredError, describeError, InvalidDeliveryError, StorageUnavailableError } from "../errors";
import { errorResponse, notConfiguredResponse } from "../http/errorResponse";
import type { RecordingIntake } from "../intake/recordingIntake";
import { MAX_DELIVERY_BYTES, readWebhookDelivery } from "../intake/webhookDelivery";

const HANDLED_METHODS = ["POST", "OPTIONS"];

/**
 * HTTP webhook for an Event Grid subscription of endpoint type "Web Hook" (Event Grid or CloudEvents schema). The
 * handshakes need no setting: they are answered even while a bad setting makes the app refuse deliveries (503).
 */
export function recordingEventsWebhook(intake: Lazy<RecordingIntake>): HttpHandler {
  return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    if (request.method === "OPTIONS") return abuseProtectionHandshake(request);
    if (request.method !== "POST") {
      return errorResponse(405, { code: "MethodNotAllowed", message: `${request.method} is not supported; Event Grid POSTs events here.` }, "error", { Allow: HANDLED_METHODS.join(", ") });
    }
    const declaredLength = Number(request.headers.get("content-length") ?? "0");
    if (declaredLength > MAX_DELIVERY_BYTES) {
      return errorResponse(413, { code: "BodyTooLarge", message: `The body is larger than ${MAX_DELIVERY_BYTES} bytes, Event Grid's maximum delivery size.` }, "error");
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
      const report = await intake().receive(delivery.events, "webhook", context);
      return { status: 200, jsonBody: report };
    } catch (error) {
      return await failureResponse(error, body, intake, context);
    }
  };
}

/** CloudEvents 1.0 abuse protection: allow the requesting origin to deliver to us. */
function abuseProtectionHandshake(request: HttpRequest): HttpResponseInit {
  const origin = request.headers.get("webhook-request-origin");
  if (!origin) return errorResponse(400, { code: "MissingOrigin", message: "OPTIONS requests must carry a WebHook-Request-Origin header (CloudEvents abuse protection)." }, "error");
  return { status: 200, headers: { "WebHook-Allowed-Origin": origin, "WebHook-Allowed-Rate": "*", Allow: HANDLED_METHODS.join(", ") } };
}

async function failureResponse(error: unknown, body: string, intake: Lazy<RecordingIntake>, context: InvocationContext): Promise<HttpResponseInit> {
  if (error instanceof InvalidDeliveryError) {
    const status = error.code === "BodyTooLarge" ? 413 : error.code === "UnsupportedMediaType" ? 415 : 400;
    if (status !== 413) {
      // Quarantined before the refusal; while a bad setting prevents that, 503 leaves the body with Event Grid (retried).
      let quarantine: RecordingIntake;
      try {
        quarantine = intake();
      } catch (notConfigured) {
        return failureResponse(notConfigured, body, intake, context);
      }
      await quarantine.rejectDelivery(body, error, "webhook", context).catch(() => context.error("The rejected delivery could not be quarantined either."));
    }
    return errorResponse(status, { code: error.code, message: error.message }, "error");
  }
  if (error instanceof AppNotConfiguredError) {
    context.warn(`Refused a delivery (Event Grid retries it): ${error.message}`);
    return notConfiguredResponse(error, "error");
  }
  if (error instanceof StorageUnavailableError) {
    context.error(`Storage unavailable; asking Event Grid to retry: ${error.message}`);
    return errorResponse(503, { code: error.code, message: "Storage is unavailable; retry later." }, "error", { "Retry-After": "10" });
  }
  context.error(`Unexpected failure handling a delivery: ${describeError(error)}`);
  return errorResponse(500, { code: "InternalError", message: "The delivery could not be processed; retry later." }, "error");
}

app.http("recordingEventsWebhook", {
  route: "recording-events",
  methods: ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"],
  authLevel: "function",
  handler: recordingEventsWebhook(lazyService((services) => services.intake)),
});
