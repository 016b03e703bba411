import type { RecordingResource } from "./documentStore";
import type { MediaFormat } from "./types";

/** The api-version of the 2021 preview API download URLs. */
export const PREVIEW_2021_API_VERSION = "2021-04-15-preview1";

export interface RecordingRoute {
  documentId: string;
  resource: RecordingResource;
  /** The only method the route answers to. */
  method: "GET" | "DELETE";
}

/**
 * 2021 preview API URLs on the ACS endpoint: `/recording/download/{documentId}` (media) and
 * `/recording/download/{documentId}/metadata`, both with `?api-version=...`.
 */
export function matchPreview2021Route(pathname: string): RecordingRoute | undefined {
  const match = /^\/recording\/download\/([^/]+)(\/metadata)?$/.exec(pathname);
  const documentId = decodeSegment(match?.[1]);
  if (!match || documentId === undefined) return undefined;
  return { documentId, resource: match[2] ? "metadata" : "content", method: "GET" };
}

/**
 * Today's storage-host URLs: `/v1/objects/{documentId}/content/video` (or `/content/audio`),
 * `/v1/objects/{documentId}/content/acsmetadata` and `DELETE /v1/objects/{documentId}`.
 */
export function matchStorageRoute(pathname: string): RecordingRoute | undefined {
  const match = /^\/v1\/objects\/([^/]+)(?:\/content\/(video|audio|acsmetadata))?$/.exec(pathname);
  const documentId = decodeSegment(match?.[1]);
  if (!match || documentId === undefined) return undefined;
  const kind = match[2];
  if (kind === undefined) return { documentId, resource: "delete", method: "DELETE" };
  return { documentId, resource: kind === "acsmetadata" ? "metadata" : "content", method: "GET" };
}

export function storagePaths(
  documentId: string,
  format: MediaFormat,
): { content: string; metadata: string; object: string } {
  const object = `/v1/objects/${encodeURIComponent(documentId)}`;
  return {
    content: `${object}/content/${format === "mp4" ? "video" : "audio"}`,
    metadata: `${object}/content/acsmetadata`,
    object,
  };
}

export function preview2021Paths(documentId: string): { content: string; metadata: string } {
  const base = `/recording/download/${encodeURIComponent(documentId)}`;
  const query = `?api-version=${PREVIEW_2021_API_VERSION}`;
  return { content: `${base}${query}`, metadata: `${base}/metadata${query}` };
}

function decodeSegment(segment: string | undefined): string | undefined {
  if (segment === undefined) return undefined;
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}
