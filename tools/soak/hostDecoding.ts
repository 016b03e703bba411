/**
 * Decodes a queue message's text as the Functions queue trigger does with host.json
 * `extensions.queues.messageEncoding: "base64"`: strict base64 (Convert.FromBase64String), UTF-8, and for a
 * Node handler a JSON parse when the text is JSON. Throws when the host could not decode it (such a message
 * fails every delivery and ends in poison).
 */
export function decodeLikeQueueTrigger(messageText: string): unknown {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(messageText) || messageText.length % 4 !== 0) {
    throw new Error(`not strict base64: ${messageText.slice(0, 60)}`);
  }
  const bytes = Buffer.from(messageText, "base64");
  const text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** The chunk identity of a decoded message (for kill decisions and the per-chunk accounting), if it has one. */
export function chunkIdentity(input: unknown): { chunkKey: string; documentId: string } | undefined {
  if (typeof input !== "object" || input === null) return undefined;
  const record = input as Record<string, unknown>;
  const chunkKey = record["chunkKey"];
  const documentId = record["documentId"];
  return typeof chunkKey === "string" && typeof documentId === "string" ? { chunkKey, documentId } : undefined;
}
