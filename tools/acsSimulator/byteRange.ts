/** What a `Range` header asks of a body of `size` bytes (RFC 9110 section 14). */
export type RangeRequest =
  | { kind: "whole" }
  | { kind: "partial"; start: number; end: number } // end exclusive
  | { kind: "unsatisfiable" };

/**
 * Reads a single `bytes=a-b`, `bytes=a-` or `bytes=-n` range. A header that is absent, malformed, not in bytes or
 * asks for several ranges is ignored (whole body), as RFC 9110 allows; a first byte at or past the end is
 * unsatisfiable (416).
 */
export function parseRange(header: string | undefined, size: number): RangeRequest {
  if (header === undefined) return { kind: "whole" };
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match) return { kind: "whole" };
  const [, first = "", last = ""] = match;
  if (first === "" && last === "") return { kind: "whole" };
  if (first === "") {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return { kind: "unsatisfiable" };
    return { kind: "partial", start: Math.max(0, size - suffix), end: size };
  }
  const start = Number(first);
  if (!Number.isSafeInteger(start)) return { kind: "whole" };
  if (last !== "" && Number(last) < start) return { kind: "whole" };
  if (start >= size) return { kind: "unsatisfiable" };
  const end = last === "" ? size : Math.min(Number(last) + 1, size);
  return { kind: "partial", start, end };
}

export function contentRangeHeader(start: number, end: number, size: number): string {
  return `bytes ${start}-${end - 1}/${size}`;
}
