import type { BlobClient, ContainerClient } from "@azure/storage-blob";
import { UnsafeBlobNameError } from "./participantErrors";

/**
 * Blob names that come from listings and records are data, never paths: Storage accepts names with `.` and `..`
 * segments (and `\`), and the SDK resolves dot segments when it builds a URL, so such a name would address another
 * blob — in another folder or another container. None of the archive's own names has one.
 */
export function blobNameProblem(name: string): string | undefined {
  if (name.includes("\\")) return "contains a backslash";
  const segments = name.split("/");
  if (segments.some((segment) => segment === "")) return "has an empty segment";
  if (segments.some((segment) => segment === "." || segment === "..")) return "has a '.' or '..' segment";
  return undefined;
}

/**
 * A client for exactly the blob `name` of `container`, inside `folder` when given: the name is checked, and so is
 * the URL the client will use (its container and blob name as the SDK reads them back from that URL). Throws
 * UnsafeBlobNameError otherwise; nothing is sent.
 */
export function exactBlobClient(container: ContainerClient, name: string, folder?: string): BlobClient {
  const problem =
    blobNameProblem(name) ?? (folder !== undefined && !name.startsWith(folder) ? `is outside ${folder}` : undefined);
  if (problem) throw new UnsafeBlobNameError(`The blob name ${JSON.stringify(name)} ${problem}; it was not used.`);
  const client = container.getBlobClient(name);
  const containerPath = new URL(container.url).pathname.replace(/\/+$/, "");
  const resolved = new URL(client.url).pathname;
  if (
    client.containerName !== container.containerName ||
    client.name !== name ||
    !resolved.startsWith(`${containerPath}/`)
  )
    throw new UnsafeBlobNameError(
      `The blob name ${JSON.stringify(name)} resolves to another blob (${client.containerName}/${client.name}); it was not used.`,
    );
  return client;
}
