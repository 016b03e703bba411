import type { ByosContainer } from "../config/byosContainers";
import { isAzureBlobHost } from "../config/serviceHosts";
import { InvalidChunkMessageError } from "../errors";
import { printable } from "../shared/logSafe";
import { isRecord } from "../shared/untrustedJson";

/** Where ACS put a bring-your-own-storage chunk: blobs in the customer's container (no SAS, no query). */
export interface ByosLocation {
  /** The account (blob endpoint) of the BYOS_STORAGE_ACCOUNTS container the blobs are in. */
  readonly account: string;
  readonly contentBlob: string;
  readonly metadataBlob?: string;
  /** `data.storageType` as the event gave it (e.g. "AzureBlob"). */
  readonly storageType?: string;
}

/** A chunk URL in a listed container (`listed`), a blob anywhere else (`unlisted`: quarantined), or neither (an ACS URL). */
export type ContainerMatch = { readonly listed: ByosContainer } | { readonly unlisted: string } | undefined;

/** `scheme://authority` and the path exactly as written (before the URL parser resolves dot segments or decodes). */
function rawParts(text: string): { readonly url: URL; readonly path: string } | undefined {
  const written = /^[a-z][a-z0-9+.-]*:\/\/[^/?#\\]*([^?#]*)/i.exec(text);
  if (!written) return undefined;
  try {
    return { url: new URL(text), path: written[1] ?? "" };
  } catch {
    return undefined;
  }
}

/** The path of a container URL (`/<container>`, or `/<account>/<container>` path-style). */
function containerPath(container: ByosContainer): string {
  return container.url.slice(new URL(container.url).origin.length);
}

/**
 * Which BYOS_STORAGE_ACCOUNTS container a chunk URL is in, compared on the path as written (so `%2e%2e` cannot step
 * out of a listed container, nor into one): a listed container, another container of a listed account or any other
 * blob endpoint (`unlisted`), or neither (an ACS download URL: undefined).
 */
export function containerOf(text: string, containers: readonly ByosContainer[]): ContainerMatch {
  const parts = rawParts(text);
  if (!parts) return undefined;
  const origin = parts.url.origin.toLowerCase();
  const listed = containers.find(
    (container) => new URL(container.url).origin === origin && parts.path.startsWith(`${containerPath(container)}/`),
  );
  if (listed) return { listed };
  const account = containers.find(
    (container) =>
      new URL(container.account).origin === origin &&
      parts.path.startsWith(`${container.account.slice(origin.length)}/`),
  );
  if (account) return { unlisted: `${account.account} (a container that is not listed)` };
  if (isAzureBlobHost(parts.url.hostname)) return { unlisted: origin };
  return undefined;
}

/** The folders of ACS's BYOS layout under the container: `<YYYYMMDD>/<callId>/<first 8 of recordingId>-<guid>`. */
const LAYOUT_FOLDERS = 3;
const LAYOUT =
  "<container>/<YYYYMMDD>/<callId>/<first 8 of recordingId>-<guid>/<chunk-id>-acsmetadata.<documentId>.json or …/<chunk-id>-<media kind>.<documentId>.<ext>";
const METADATA_KIND = "acsmetadata";

/**
 * Why `text` cannot be the chunk `documentId`'s content or metadata blob in `container`, or undefined when it can.
 * Strict about what binds the blob to the chunk — the container, the documentId in the file name, the media kind
 * (`acsmetadata` and `.json` for metadata) — and about anything that could steer the name: a query or fragment,
 * user information, empty, `.` or `..` segments (also percent-encoded), encoded or literal slashes and backslashes.
 * Tolerant about what varies: the date, call id and recording folder names, the chunk id, the media kind and extension.
 */
export function byosBlobProblem(
  text: string,
  container: ByosContainer,
  documentId: string,
  kind: "content" | "metadata",
): string | undefined {
  const parts = rawParts(text);
  if (!parts) return "is not an absolute URL";
  if (/[?#]/.test(text))
    return "carries a query or fragment (a BYOS blob is read with the app's identity, never a SAS)";
  if (parts.url.username || parts.url.password) return "carries user information";
  const prefix = `${containerPath(container)}/`;
  if (new URL(container.url).origin !== parts.url.origin.toLowerCase() || !parts.path.startsWith(prefix))
    return `is not in the container ${container.url}`;
  const segments: string[] = [];
  for (const written of parts.path.slice(prefix.length).split("/")) {
    let segment: string;
    try {
      segment = decodeURIComponent(written);
    } catch {
      return "has a blob name that is not valid percent-encoding";
    }
    // eslint-disable-next-line no-control-regex -- finding control characters is this pattern's job
    if (segment === "" || segment === "." || segment === ".." || /[/\\\u0000-\u001f\u007f]/.test(segment)) {
      return "has an empty, '.' or '..' segment, an encoded slash, a backslash or a control character in its blob name";
    }
    segments.push(segment);
  }
  const file = segments.at(-1) ?? "";
  if (segments.length !== LAYOUT_FOLDERS + 1) return `is not in ACS's bring-your-own-storage layout (${LAYOUT})`;
  const extension = /\.([A-Za-z0-9]{1,16})$/.exec(file)?.[1] ?? "";
  const stem = file.slice(0, file.length - extension.length - 1);
  if (extension === "" || !stem.endsWith(`.${documentId}`))
    return `does not name the chunk's documentId ${printable(documentId)} (${LAYOUT})`;
  const mediaKind = /^.+-([A-Za-z0-9]+)$/.exec(stem.slice(0, stem.length - documentId.length - 1))?.[1]?.toLowerCase();
  if (mediaKind === undefined) return `is not in ACS's bring-your-own-storage layout (${LAYOUT})`;
  const isMetadata = mediaKind === METADATA_KIND && extension.toLowerCase() === "json";
  if (kind === "metadata" && !isMetadata)
    return `is not the chunk's metadata document (<chunk-id>-acsmetadata.<documentId>.json)`;
  if (kind === "content" && mediaKind === METADATA_KIND) return "names the chunk's metadata document, not its media";
  return undefined;
}

/**
 * Why a queue message's BYOS location cannot be read for the chunk `documentId`, naming the field; undefined when
 * every blob is in one listed container and in ACS's layout for that document (the archive job's own check: the
 * message is input too). No request is made for a location that fails it.
 */
export function byosLocationProblem(
  byos: ByosLocation,
  containers: readonly ByosContainer[],
  documentId: string,
): { readonly field: string; readonly problem: string } | undefined {
  const match = containerOf(byos.contentBlob, containers);
  if (!match || !("listed" in match))
    return { field: "byos.contentBlob", problem: "is not a blob in a BYOS_STORAGE_ACCOUNTS container" };
  if (match.listed.account !== byos.account)
    return { field: "byos.account", problem: "is not the account of the container the blob is in" };
  const content = byosBlobProblem(byos.contentBlob, match.listed, documentId, "content");
  if (content) return { field: "byos.contentBlob", problem: content };
  if (byos.metadataBlob === undefined) return undefined;
  const metadata = byosBlobProblem(byos.metadataBlob, match.listed, documentId, "metadata");
  return metadata ? { field: "byos.metadataBlob", problem: metadata } : undefined;
}

/** The listed container a (checked) BYOS location is in. */
export function containerOfLocation(
  byos: ByosLocation,
  containers: readonly ByosContainer[],
): ByosContainer | undefined {
  const match = containerOf(byos.contentBlob, containers);
  return match && "listed" in match ? match.listed : undefined;
}

/** Reads the `byos` field of a queue message (it is input too); undefined when absent. */
export function parseByosLocation(value: unknown): ByosLocation | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isRecord(value)) throw new InvalidChunkMessageError("byos", "must be an object.");
  const text = (field: string, required: boolean): string | undefined => {
    const item = value[field];
    if (item === undefined && !required) return undefined;
    if (typeof item !== "string" || item === "" || item.length > 2048)
      throw new InvalidChunkMessageError(`byos.${field}`, "must be a non-empty string.");
    return item;
  };
  const metadataBlob = text("metadataBlob", false);
  const storageType = text("storageType", false);
  return {
    account: text("account", true) as string,
    contentBlob: text("contentBlob", true) as string,
    ...(metadataBlob ? { metadataBlob } : {}),
    ...(storageType ? { storageType } : {}),
  };
}
