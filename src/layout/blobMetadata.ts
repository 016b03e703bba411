import type { ChunkMessage } from "../queue/chunkMessage";

/** Blob metadata values must be ASCII header text; anything else is percent-encoded. */
function headerSafe(value: string): string {
  return /^[\x20-\x7e]*$/.test(value) ? value : encodeURIComponent(value);
}

/** Identity of the chunk, written into the one commit of each blob (WORM-compatible: never set later). */
export function chunkBlobMetadata(message: ChunkMessage): Record<string, string> {
  const entries: [string, string | number | undefined][] = [
    ["documentid", message.documentId],
    ["chunkindex", message.index],
    ["chunkcount", message.chunkCount],
    ["callid", message.callId],
    ["servercallid", message.serverCallId],
    ["recordingid", message.recordingId],
    ["eventid", message.eventId],
    ["recordingstarttime", message.recordingStartTime],
    ["acsresource", message.resource || undefined],
  ];
  return Object.fromEntries(
    entries
      .filter((entry): entry is [string, string | number] => entry[1] !== undefined)
      .map(([key, value]) => [key, headerSafe(String(value))]),
  );
}
