/** Why a documentId cannot be used in a blob name or URL path, or undefined when it can. */
export function documentIdProblem(value: unknown): string | undefined {
  if (typeof value !== "string" || value.length === 0) return "must be a non-empty string.";
  if (value.length > 200) return "must be at most 200 characters.";
  if (/[/\\]/.test(value)) return "must not contain / or \\.";
  if (value.includes("..")) return "must not contain '..'.";
  // eslint-disable-next-line no-control-regex -- finding control characters is this pattern's job
  if (/[\u0000-\u001f\u007f-\u009f]/.test(value)) return "must not contain control characters.";
  if (value.trim() !== value) return "must not start or end with whitespace.";
  return undefined;
}
