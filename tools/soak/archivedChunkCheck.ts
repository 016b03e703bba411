import type { BlobItem, ContainerClient } from "@azure/storage-blob";
import type { AcsSimulator } from "../acsSimulator";
import { blobBytes, blobDigests } from "./blobInspect";
import type { ExpectedChunk } from "./expectedChunk";

export type ArchivedProblem = "missing" | "partial" | "corrupt" | "metadata";

/**
 * Checks one chunk that must be archived: the media blob is committed at its name with the declared size, its
 * identity metadata, Content-MD5 and the contentmd5/contentsha256 metadata (when set) matching its bytes, and the bytes' SHA-256 equal to the simulator's
 * content; the metadata blob holds the bytes ACS served. Returns the problems found, by kind.
 */
export async function checkArchivedChunk(
  container: ContainerClient,
  sim: AcsSimulator,
  chunk: ExpectedChunk,
  media: BlobItem | undefined,
  metadata: BlobItem | undefined,
): Promise<{ kind: ArchivedProblem; detail: string }[]> {
  const problems: { kind: ArchivedProblem; detail: string }[] = [];
  const who = `${chunk.documentId}#${chunk.index} (${chunk.size} bytes)`;
  if (!media) {
    problems.push({ kind: "missing", detail: `${who}: no committed media blob at ${chunk.mediaName}` });
  } else {
    const size = media.properties.contentLength ?? -1;
    const tags = media.metadata ?? {};
    if (media.properties.contentType !== chunk.contentType)
      problems.push({
        kind: "corrupt",
        detail: `${who}: content type ${media.properties.contentType ?? "(none)"}, expected ${chunk.contentType}`,
      });
    if (size !== chunk.size) problems.push({ kind: "partial", detail: `${who}: committed ${size} bytes` });
    if (tags["bytecount"] !== String(chunk.size))
      problems.push({ kind: "partial", detail: `${who}: metadata bytecount=${tags["bytecount"] ?? "(none)"}` });
    if (tags["documentid"] !== chunk.documentId || tags["chunkindex"] !== String(chunk.index)) {
      problems.push({
        kind: "corrupt",
        detail: `${who}: identity metadata documentid=${tags["documentid"] ?? "?"} chunkindex=${tags["chunkindex"] ?? "?"}`,
      });
    }
    const digests = await blobDigests(container, chunk.mediaName);
    if (digests.sha256 !== sim.contentSha256(chunk.documentId))
      problems.push({
        kind: "corrupt",
        detail: `${who}: SHA-256 differs from the source (${digests.bytes} bytes read)`,
      });
    const declaredMd5 = media.properties.contentMD5
      ? Buffer.from(media.properties.contentMD5).toString("base64")
      : undefined;
    if (declaredMd5 !== undefined && declaredMd5 !== digests.md5)
      problems.push({
        kind: "corrupt",
        detail: `${who}: Content-MD5 ${declaredMd5} does not match the bytes (${digests.md5})`,
      });
    if (tags["contentmd5"] !== undefined && tags["contentmd5"] !== digests.md5)
      problems.push({ kind: "corrupt", detail: `${who}: metadata contentmd5 does not match the bytes` });
    if (tags["contentsha256"] !== undefined && tags["contentsha256"] !== digests.sha256)
      problems.push({ kind: "corrupt", detail: `${who}: metadata contentsha256 does not match the bytes` });
  }
  if (!metadata) {
    problems.push({ kind: "metadata", detail: `${who}: no metadata blob at ${chunk.metadataName}` });
  } else if (!(await blobBytes(container, chunk.metadataName)).equals(sim.metadataBytes(chunk.documentId))) {
    problems.push({ kind: "metadata", detail: `${who}: metadata blob differs from the bytes ACS served` });
  }
  return problems;
}
