/**
 * Calls a function's handler factory the way the Functions worker calls the registered handler, in the unit tier: the
 * dependency is a fake handed in through the factory's `Lazy<T>`, the request and context are the library's own
 * `HttpRequest` and `InvocationContext` (outside the host `@azure/functions` runs in test mode), and the answer is
 * read as the worker would send it. No Azurite, no dist/, no network.
 */
import { HttpRequest, type HttpHandler } from "@azure/functions";
import { AppNotConfiguredError, ConfigError } from "../../src/errors";
import { httpAnswer, type HttpAnswer } from "./functionInvoke";
import { capturingContext, type CapturedLog } from "./testSettings";

/** A stand-in for a service a handler takes: only the members the test's path calls (a missing one fails loudly). */
export function fakeService<T extends object>(members: Partial<T>): T {
  return members as T;
}

/** The error a `Lazy<T>` throws while a setting is bad (what `lazyService` does through `appServices`). */
export function notConfiguredError(setting = "ACS_CONNECTION_STRING"): AppNotConfiguredError {
  return new AppNotConfiguredError(new ConfigError(setting, "is not set", "missing"));
}

/** A `Lazy<T>` of an app whose setting is bad: throws AppNotConfiguredError on every call. */
export function notConfigured<T>(setting?: string): () => T {
  return () => {
    throw notConfiguredError(setting);
  };
}

export interface FunctionRequestInit {
  readonly method?: string;
  /** Path and query after `/api/`, e.g. `archive/calls/call-1`. */
  readonly path?: string;
  readonly params?: Record<string, string>;
  readonly query?: Record<string, string>;
  readonly headers?: Record<string, string>;
  /** Sent as bytes, as the host hands a body to the worker (with its Content-Length). */
  readonly body?: string;
}

/** A request as the worker builds it: route parameters, query, headers, and the body as bytes with a Content-Length. */
export function functionRequest(init: FunctionRequestInit = {}): HttpRequest {
  const method = init.method ?? "GET";
  const url = new URL(`http://localhost:7071/api/${init.path ?? ""}`);
  for (const [name, value] of Object.entries(init.query ?? {})) url.searchParams.set(name, value);
  const bytes = init.body === undefined ? undefined : Buffer.from(init.body, "utf8");
  return new HttpRequest({
    method,
    url: url.toString(),
    params: init.params ?? {},
    headers: { ...(bytes ? { "content-length": String(bytes.length) } : {}), ...init.headers },
    ...(bytes ? { body: { bytes } } : {}),
  });
}

export interface HandlerAnswer extends HttpAnswer {
  /** Every line the handler logged, with its level. */
  readonly logs: CapturedLog[];
}

/** Calls an HTTP handler with a capturing InvocationContext; returns what the worker would send, and the log. */
export async function callHttp(handler: HttpHandler, request: HttpRequest): Promise<HandlerAnswer> {
  const { context, logs } = capturingContext();
  const answer = await httpAnswer(await handler(request, context));
  return { ...answer, logs };
}

/** Everything a handler logged, in one string (for "never logged" assertions). */
export function loggedText(logs: readonly CapturedLog[]): string {
  return logs.map((line) => `${line.level} ${line.message}`).join("\n");
}
