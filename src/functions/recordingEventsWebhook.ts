import {
  app,
  type HttpHandler,
  type HttpRequest,
  type HttpResponseInit,
  type InvocationContext,
} from "@azure/functions";
import { lazyService, type Lazy } from "../app/serviceProvider";
import { AppNotConfiguredError, describeError, InvalidDeliveryError, StorageUnavailableError } from "../errors";
import { errorAnswer, toErrorResponse } from "../http/errorResponse";
import { readDeliveryBody } from "../intake/deliveryBody";
import type { RecordingIntake } from "../intake/recordingIntake";
import { readWebhookDelivery } from "../intake/webhookDelivery";
import type { AbortOptions } from "../shared/cancellation";
import type { Log } from "../shared/log";
import { escapingLog } from "../shared/logSafe";
import { intakeDeadline } from "../storage/storageDeadline";

const HANDLED_METHODS = ["POST", "OPTIONS"];

/**
 * HTTP webhook for an Event Grid subscription of endpoint type "Web Hook" (Event Grid or CloudEvents schema). The
 * handshakes need no setting: they are answered even while a bad setting makes the app refuse deliveries (503).
 */
export function recordingEventsWebhook(intake: Lazy<RecordingIntake>): HttpHandler {
  return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    const log = escapingLog(context);
    if (request.method === "OPTIONS") return abuseProtectionHandshake(request);
    if (request.method !== "POST") {
      return errorAnswer(
        "recordingEvents",
        { code: "MethodNotAllowed", message: `${request.method} is not supported; Event Grid POSTs events here.` },
        { Allow: HANDLED_METHODS.join(", ") },
      );
    }
    // One deadline from arrival to answer, well inside Event Grid's 30 s: body, queue and quarantine share it.
    const deadline = intakeDeadline();
    let body: string | undefined;
    try {
      body = await readDeliveryBody(request, { abortSignal: deadline });
      const delivery = readWebhookDelivery(body, request.headers);
      if (delivery.kind === "validation") {
        log.info("Answered the Event Grid subscription validation handshake.");
        return { status: 200, jsonBody: { validationResponse: delivery.validationCode } };
      }
      if (delivery.kind === "subscriptionDeleted") {
        log.warn("Event Grid reports that this subscription was deleted.");
        return { status: 200 };
      }
      const report = await intake().receive(delivery.events, "webhook", log, { abortSignal: deadline });
      return { status: 200, jsonBody: report };
    } catch (error) {
      return await failureResponse(error, body, intake, log, { abortSignal: deadline });
    }
  };
}

/** CloudEvents 1.0 abuse protection: allow the requesting origin to deliver to us. */
function abuseProtectionHandshake(request: HttpRequest): HttpResponseInit {
  const origin = request.headers.get("webhook-request-origin");
  if (!origin)
    return errorAnswer("recordingEvents", {
      code: "MissingOrigin",
      message: "OPTIONS requests must carry a WebHook-Request-Origin header (CloudEvents abuse protection).",
    });
  return {
    status: 200,
    headers: { "WebHook-Allowed-Origin": origin, "WebHook-Allowed-Rate": "*", Allow: HANDLED_METHODS.join(", ") },
  };
}

/** The answer to a failed delivery (statuses: src/http/errorResponse.ts); a refused body that was read whole is quarantined first. */
async function failureResponse(
  error: unknown,
  body: string | undefined,
  intake: Lazy<RecordingIntake>,
  log: Log,
  options: AbortOptions,
): Promise<HttpResponseInit> {
  if (error instanceof InvalidDeliveryError) {
    // A body read whole is kept for an operator; an oversized or incomplete one was never read whole.
    if (body === undefined) {
      log.warn(`Refused a delivery (${error.code}): ${error.message}`);
    } else {
      // Quarantined before the refusal; while a bad setting prevents that, 503 leaves the body with Event Grid (retried).
      let quarantine: RecordingIntake;
      try {
        quarantine = intake();
      } catch (notConfigured) {
        return failureResponse(notConfigured, body, intake, log, options);
      }
      await quarantine
        .rejectDelivery(body, error, "webhook", log, options)
        .catch(() => log.error("The rejected delivery could not be quarantined either."));
    }
  } else if (error instanceof AppNotConfiguredError) {
    log.warn(`Refused a delivery (Event Grid retries it): ${error.message}`);
  } else if (error instanceof StorageUnavailableError) {
    log.error(`Storage unavailable; asking Event Grid to retry: ${error.message}`);
  } else {
    log.error(`Unexpected failure handling a delivery: ${describeError(error)}`);
  }
  return toErrorResponse(error, "recordingEvents");
}

app.http("recordingEventsWebhook", {
  route: "recording-events",
  methods: ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"],
  authLevel: "function",
  handler: recordingEventsWebhook(lazyService((services) => services.intake)),
});
