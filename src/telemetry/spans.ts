import { SpanKind, SpanStatusCode, trace, type Attributes, type Span } from "@opentelemetry/api";
import { httpStatusOf } from "../shared/errorKinds";

const TRACER_NAME = "recording-archiver";

/**
 * Runs `work` inside a span (a client span by default: ACS and Storage calls). Attributes must be
 * fixed words, sizes and indexes: no ids of people, no URLs with queries, no secrets.
 */
export async function inSpan<T>(
  name: string,
  attributes: Attributes,
  work: (span: Span) => Promise<T>,
  kind: SpanKind = SpanKind.CLIENT,
): Promise<T> {
  return trace.getTracer(TRACER_NAME).startActiveSpan(name, { kind, attributes }, async (span) => {
    try {
      return await work(span);
    } catch (error) {
      const status = httpStatusOf(error);
      if (status !== undefined) span.setAttribute("http.response.status_code", status);
      span.setAttribute("error.type", error instanceof Error ? error.name : "unknown");
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw error;
    } finally {
      span.end();
    }
  });
}
