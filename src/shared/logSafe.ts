/* Untrusted text made safe for logs and terminals. */

// eslint-disable-next-line no-control-regex -- finding control characters is this pattern's job
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/**
 * The one escaper for untrusted text in logs and on terminals: every control character (C0, DEL, C1,
 * line and paragraph separators) becomes `\uXXXX`, so no value can forge a log line or drive a
 * terminal. `keepLineBreaks` leaves `\n` alone (for our own multi-line text).
 */
export function escapeControlCharacters(text: string, options: { keepLineBreaks?: boolean } = {}): string {
  return text.replace(CONTROL_CHARACTERS, (char) =>
    options.keepLineBreaks && char === "\n" ? char : `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/** An untrusted value made safe for one log line: control characters escaped, length capped. */
export function printable(value: unknown, max = 200): string {
  const text = typeof value === "string" ? value : (JSON.stringify(value) ?? String(value));
  const escaped = escapeControlCharacters(text);
  return escaped.length > max ? `${escaped.slice(0, max)}…` : escaped;
}
