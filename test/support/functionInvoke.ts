import { HttpRequest, HttpResponse, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import type { RegisteredFunction } from "./compiledApp";

/** What an HTTP function answered, as the worker turns it into a response (status default 200, jsonBody serialised). */
export interface HttpAnswer {
  readonly status: number;
  readonly headers: Headers;
  /** Response body text ("" when none). */
  readonly text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  readonly json: unknown;
}

const WEBHOOK_URL = "http://localhost:7071/api/recording-events?code=test-function-key";

/**
 * An HTTP request as the Functions worker builds it from the host's RPC data: the body arrives as bytes
 * (a string body would make the fetch Request add `content-type: text/plain`, which the host does not).
 */
export function webhookRequest(options: {
  method?: string;
  body?: string;
  headers?: Record<string, string>;
}): HttpRequest {
  const method = options.method ?? "POST";
  return new HttpRequest({
    method,
    url: WEBHOOK_URL,
    headers: options.headers ?? {},
    ...(options.body !== undefined && method !== "GET" && method !== "HEAD"
      ? { body: { bytes: Buffer.from(options.body, "utf8") } }
      : {}),
  });
}

/** Calls a registered HTTP handler and reads its answer the way the Functions worker would send it. */
export async function invokeHttp(
  fn: RegisteredFunction,
  request: HttpRequest,
  context: InvocationContext,
): Promise<HttpAnswer> {
  return httpAnswer((await fn.handler(request, context)) as HttpResponseInit);
}

/** What the worker would send for a handler's answer (status default 200, jsonBody serialised). */
export async function httpAnswer(init: HttpResponseInit | HttpResponse): Promise<HttpAnswer> {
  const response = init instanceof HttpResponse ? init : new HttpResponse(init);
  const text = await response.text();
  let json: unknown;
  try {
    json = text === "" ? undefined : (JSON.parse(text) as unknown);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** The `{ error: { code, message } }` body every refusal carries. */
export function errorBody(answer: HttpAnswer): { code: string; message: string } {
  const body = answer.json as { error?: { code?: unknown; message?: unknown } } | undefined;
  const code = body?.error?.code;
  const message = body?.error?.message;
  if (typeof code !== "string" || typeof message !== "string" || code === "" || message === "") {
    throw new Error(`not a { error: { code, message } } body: ${answer.text.slice(0, 200)}`);
  }
  return { code, message };
}

/** Calls a registered Event Grid handler with one event. */
export async function invokeEventGrid(
  fn: RegisteredFunction,
  event: unknown,
  context: InvocationContext,
): Promise<void> {
  await fn.handler(event, context);
}
