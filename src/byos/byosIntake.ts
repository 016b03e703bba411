import { InvalidEventError } from "../errors";
import type { ChunkMessage } from "../queue/chunkMessage";
import type { EventEnvelope } from "../events/eventEnvelope";
import { chunkMessagesFromEvent, type RecordingEventPolicy } from "../events/recordingEvent";
import { isRecord } from "../shared/untrustedJson";
import { downloadUrlProblem } from "../config/downloadHosts";
import type { ByosContainer } from "../config/byosContainers";
import { byosBlobProblem, containerOf, type ContainerMatch, type ByosLocation } from "../queue/byosLocation";

export type ByosPolicy = RecordingEventPolicy & { readonly byosContainers?: readonly ByosContainer[] };

const BYOS_FIELDS = ["contentLocation", "metadataLocation", "deleteLocation"] as const;
const FORMAT_OF_EXTENSION: Record<string, string> = { mp4: "Mp4", mp3: "Mp3", wav: "Wav" };

/**
 * Intake's bring-your-own-storage step, in front of the usual validation: chunks whose
 * contentLocation is a blob in a BYOS_STORAGE_ACCOUNTS container become chunk messages with a `byos`
 * location (catalogued, or copied, by the archive job; never a signed ACS request), and their blob
 * URLs are taken out of the event before the ACS download-host checks see it. Each blob must be in
 * ACS's layout and name the chunk's own documentId (byosLocation.ts), as ACS URLs must (chunkLocations.ts).
 * A content or metadata URL anywhere else in blob storage, or out of that layout, makes the event invalid
 * (quarantined) with the reason. The deleteLocation takes no part in these decisions: the archive never needs
 * it (a BYOS chunk's is dropped; an ACS chunk's is checked like any other and left out, as an anomaly, when it
 * is not usable).
 */
export function chunkMessagesWithByos(envelope: EventEnvelope, policy: ByosPolicy): ChunkMessage[] {
  const containers = policy.byosContainers ?? [];
  const data = envelope.data;
  const storageInfo = isRecord(data) ? data["recordingStorageInfo"] : undefined;
  const chunks = isRecord(storageInfo) ? storageInfo["recordingChunks"] : undefined;
  if (!isRecord(data) || !isRecord(storageInfo) || !Array.isArray(chunks))
    return chunkMessagesFromEvent(envelope, policy);
  const storageType = typeof data["storageType"] === "string" ? data["storageType"] : undefined;
  // "AzureBlob" (today's docs), "blobstorage" (the 2023 preview): the event itself says the files are in blob storage.
  const blobStorage = storageType !== undefined && /blob/i.test(storageType);
  // Keyed by the chunk's identity, not its position: the usual validation takes a chunk listed twice once.
  const found = new Map<string, ByosLocation | undefined>();
  const stripped = chunks.map((chunk: unknown, position) => {
    if (!isRecord(chunk)) return chunk;
    const path = `data.recordingStorageInfo.recordingChunks[${position}]`;
    const identity = chunkIdentity(chunk["documentId"], chunk["index"]);
    const matches = BYOS_FIELDS.map((field) => ({
      field,
      url: chunk[field],
      match: typeof chunk[field] === "string" ? locate(chunk[field], containers, blobStorage, policy) : undefined,
    }));
    const fetched = matches.filter((entry) => entry.field !== "deleteLocation");
    const unlisted = fetched.find((entry) => entry.match && "unlisted" in entry.match);
    if (unlisted?.match && "unlisted" in unlisted.match) {
      throw new InvalidEventError(
        `${path}.${unlisted.field}`,
        `is a blob in storage account ${unlisted.match.unlisted}, which is not a container listed in BYOS_STORAGE_ACCOUNTS: add the destination container's URL (https://<account>.blob.core.windows.net/<container>) to the BYOS_STORAGE_ACCOUNTS setting to catalogue bring-your-own-storage recordings from it (and give the app's identity Storage Blob Data Reader on it).`,
      );
    }
    const content = matches[0];
    if (!content?.match || !("listed" in content.match)) {
      if (fetched.some((entry) => entry.match))
        throw new InvalidEventError(
          `${path}.contentLocation`,
          "must be a blob in the same BYOS_STORAGE_ACCOUNTS container as the chunk's other locations.",
        );
      if (!found.has(identity)) found.set(identity, undefined);
      return chunk;
    }
    const metadata = matches[1];
    const container = content.match.listed;
    if (
      metadata?.url !== undefined &&
      !(metadata.match && "listed" in metadata.match && metadata.match.listed === container)
    ) {
      throw new InvalidEventError(
        `${path}.metadataLocation`,
        "must be a blob in the same BYOS_STORAGE_ACCOUNTS container as the chunk's content.",
      );
    }
    // Bound to the chunk as ACS URLs are: its own documentId, in ACS's layout, inside the container (a documentId that
    // is not a string is left to the usual validation, which rejects it).
    const documentId = chunk["documentId"];
    for (const [field, kind] of [
      ["contentLocation", "content"],
      ["metadataLocation", "metadata"],
    ] as const) {
      const url = chunk[field];
      const problem =
        typeof url === "string" && typeof documentId === "string"
          ? byosBlobProblem(url, container, documentId, kind)
          : undefined;
      if (problem) throw new InvalidEventError(`${path}.${field}`, problem);
    }
    // The first listing of a chunk is the one archived (recordingChunk.ts), so the first one's location stands.
    if (!found.has(identity))
      found.set(identity, {
        account: container.account,
        contentBlob: content.url as string,
        ...(typeof metadata?.url === "string" ? { metadataBlob: metadata.url } : {}),
        ...(storageType ? { storageType } : {}),
      });
    const rest: Record<string, unknown> = { ...chunk };
    for (const field of BYOS_FIELDS) delete rest[field];
    return rest;
  });
  const messages = chunkMessagesFromEvent(
    { ...envelope, data: { ...data, recordingStorageInfo: { ...storageInfo, recordingChunks: stripped } } },
    policy,
  );
  return messages.map((message) => {
    const byos = found.get(chunkIdentity(message.documentId, message.index));
    if (!byos) return message;
    const extension = /\.([a-z0-9]+)$/i.exec(new URL(byos.contentBlob).pathname)?.[1]?.toLowerCase() ?? "";
    const formatType = message.formatType ?? FORMAT_OF_EXTENSION[extension];
    return { ...message, ...(formatType ? { formatType } : {}), byos };
  });
}

/** A chunk's documentId and index as the usual validation reads them (an index may come as a decimal string). */
function chunkIdentity(documentId: unknown, index: unknown): string {
  return JSON.stringify([documentId, typeof index === "string" && /^\d{1,15}$/.test(index) ? Number(index) : index]);
}

/**
 * Where a chunk URL points: a listed BYOS container, other blob storage, or ACS. A URL that is
 * neither listed nor an allowed ACS download host counts as unlisted blob storage when the event says
 * its recording is in blob storage (storageType), so the quarantine reason names the right setting.
 */
function locate(
  url: string,
  containers: readonly ByosContainer[],
  blobStorage: boolean,
  policy: ByosPolicy,
): ContainerMatch {
  const match = containerOf(url, containers);
  if (match || !blobStorage || downloadUrlProblem(policy.downloadHosts, url) === undefined) return match;
  try {
    return { unlisted: new URL(url).origin };
  } catch {
    return undefined;
  }
}
