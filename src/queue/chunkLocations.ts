import { downloadUrlProblem, type DownloadHostPolicy } from "../config/downloadHosts";
import { printable } from "../shared/logSafe";

/** What a chunk's URLs are checked against (intake and the queue-side parser use the same rules). */
export interface LocationPolicy {
  readonly downloadHosts: DownloadHostPolicy;
}

/**
 * The URL shapes that name a recording document, with the segment that holds its documentId:
 * today's storage-host URLs `/v1/objects/{documentId}` (delete) and `/v1/objects/{documentId}/content/…`
 * (media, metadata), and the 2021 preview API's `/recording/download/{documentId}[/metadata]`.
 */
const DOCUMENT_PATHS: readonly RegExp[] = [
  /^\/v1\/objects\/([^/]+)(?:\/.*)?$/i,
  /^\/recording\/download\/([^/]+)(?:\/metadata)?\/?$/i,
];

/** Why a URL cannot be a chunk's location: its host (no signed request may go there) or the document it names. */
export interface LocationProblem {
  readonly kind: "host" | "document";
  readonly problem: string;
}

/**
 * Why `text` cannot be a location of the chunk `documentId`, or undefined when it can: it must pass
 * the download host allowlist, and it must name that very document — otherwise an event could have
 * another document archived under this chunk's name, or another recording deleted. (Bring-your-own-storage blob URLs
 * never reach this check: intake takes them out of the event and binds them by their own rule, src/queue/byosLocation.ts.)
 */
export function chunkLocationProblem(
  policy: LocationPolicy,
  text: string,
  documentId: string,
): LocationProblem | undefined {
  const hostProblem = downloadUrlProblem(policy.downloadHosts, text);
  if (hostProblem) return { kind: "host", problem: hostProblem };
  const url = new URL(text);
  const named = namedDocument(url.pathname);
  if (named === documentId) return undefined;
  return {
    kind: "document",
    problem:
      named === undefined
        ? `is not a recording document URL (/v1/objects/{documentId}/… or /recording/download/{documentId}) naming ${documentId}`
        : `names document ${printable(named)}, not the chunk's documentId ${documentId}`,
  };
}

/** The documentId a recording document URL names, if it names one (an unparsable URL names none). */
export function documentNamedBy(text: string): string | undefined {
  return URL.canParse(text) ? namedDocument(new URL(text).pathname) : undefined;
}

/** The documentId a URL path names (percent-decoded; dot segments are already resolved by URL), if any. */
function namedDocument(pathname: string): string | undefined {
  for (const shape of DOCUMENT_PATHS) {
    const segment = shape.exec(pathname)?.[1];
    if (segment === undefined) continue;
    try {
      return decodeURIComponent(segment);
    } catch {
      return undefined;
    }
  }
  return undefined;
}
