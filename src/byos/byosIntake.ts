import { InvalidEventError } from "../errors";
import type { ChunkMessage } from "../events/chunkMessage";
import type { EventEnvelope } from "../events/eventEnvelope";
import { chunkMessagesFromEvent, type RecordingEventPolicy } from "../events/recordingEvent";
import { isRecord } from "../shared/untrustedJson";
import { downloadUrlProblem } from "../config/downloadHosts";
import { accountOf, type AccountMatch, type ByosLocation } from "./byosLocation";

export type ByosPolicy = RecordingEventPolicy & { readonly byosStorageAccounts?: readonly string[] };

const BYOS_FIELDS = ["contentLocation", "metadataLocation", "deleteLocation"] as const;
const FORMAT_OF_EXTENSION: Record<string, string> = { mp4: "Mp4", mp3: "Mp3", wav: "Wav" };

/**
 * Intake's bring-your-own-storage step, in front of the usual validation: chunks whose
 * contentLocation is a blob in a BYOS_STORAGE_ACCOUNTS account become chunk messages with a `byos`
 * location (catalogued, or copied, by the archive job; never a signed ACS request), and their blob
 * URLs are taken out of the event before the ACS download-host checks see it. A content or metadata URL in
 * any other blob account makes the event invalid (quarantined) with a reason naming the setting. The
 * deleteLocation takes no part in these decisions: the archive never needs it (a BYOS chunk's is dropped;
 * an ACS chunk's is checked like any other and left out, as an anomaly, when it is not usable).
 */
export function chunkMessagesWithByos(envelope: EventEnvelope, policy: ByosPolicy): ChunkMessage[] {
  const accounts = policy.byosStorageAccounts ?? [];
  const data = envelope.data;
  const storageInfo = isRecord(data) ? data["recordingStorageInfo"] : undefined;
  const chunks = isRecord(storageInfo) ? storageInfo["recordingChunks"] : undefined;
  if (!isRecord(data) || !isRecord(storageInfo) || !Array.isArray(chunks)) return chunkMessagesFromEvent(envelope, policy);
  const storageType = typeof data["storageType"] === "string" ? data["storageType"] : undefined;
  // "AzureBlob" (today's docs), "blobstorage" (the 2023 preview): the event itself says the files are in blob storage.
  const blobStorage = storageType !== undefined && /blob/i.test(storageType);
  const found: (ByosLocation | undefined)[] = [];
  const stripped = chunks.map((chunk: unknown, position) => {
    if (!isRecord(chunk)) return chunk;
    const path = `data.recordingStorageInfo.recordingChunks[${position}]`;
    const matches = BYOS_FIELDS.map((field) => ({
      field,
      url: chunk[field],
      match: typeof chunk[field] === "string" ? locate(chunk[field], accounts, blobStorage, policy) : undefined,
    }));
    const fetched = matches.filter((entry) => entry.field !== "deleteLocation");
    const unlisted = fetched.find((entry) => entry.match && "unlisted" in entry.match);
    if (unlisted?.match && "unlisted" in unlisted.match) {
      throw new InvalidEventError(
        `${path}.${unlisted.field}`,
        `is a blob in storage account ${unlisted.match.unlisted}, which is not listed in BYOS_STORAGE_ACCOUNTS: add that account's blob endpoint to the BYOS_STORAGE_ACCOUNTS setting to catalogue bring-your-own-storage recordings from it (and give the app's identity Storage Blob Data Reader on it).`,
      );
    }
    const content = matches[0];
    if (!content?.match || !("listed" in content.match)) {
      if (fetched.some((entry) => entry.match))
        throw new InvalidEventError(`${path}.contentLocation`, "must be a blob in the same BYOS_STORAGE_ACCOUNTS account as the chunk's other locations.");
      found.push(undefined);
      return chunk;
    }
    const metadata = matches[1];
    if (metadata?.url !== undefined && !(metadata.match && "listed" in metadata.match)) {
      throw new InvalidEventError(`${path}.metadataLocation`, "must be a blob in a BYOS_STORAGE_ACCOUNTS account when the chunk's content is.");
    }
    found.push({
      account: content.match.listed,
      contentBlob: content.url as string,
      ...(typeof metadata?.url === "string" ? { metadataBlob: metadata.url } : {}),
      ...(storageType ? { storageType } : {}),
    });
    const rest: Record<string, unknown> = { ...chunk };
    for (const field of BYOS_FIELDS) delete rest[field];
    return rest;
  });
  const messages = chunkMessagesFromEvent({ ...envelope, data: { ...data, recordingStorageInfo: { ...storageInfo, recordingChunks: stripped } } }, policy);
  return messages.map((message, position) => {
    const byos = found[position];
    if (!byos) return message;
    const extension = /\.([a-z0-9]+)$/i.exec(new URL(byos.contentBlob).pathname)?.[1]?.toLowerCase() ?? "";
    const formatType = message.formatType ?? FORMAT_OF_EXTENSION[extension];
    return { ...message, ...(formatType ? { formatType } : {}), byos };
  });
}

/**
 * Where a chunk URL points: a listed BYOS account, an unlisted blob account, or ACS. A URL that is
 * neither listed nor an allowed ACS download host counts as an unlisted account when the event says
 * its recording is in blob storage (storageType), so the quarantine reason names the right setting.
 */
function locate(url: string, accounts: readonly string[], blobStorage: boolean, policy: ByosPolicy): AccountMatch {
  const match = accountOf(url, accounts);
  if (match || !blobStorage || downloadUrlProblem(policy.downloadHosts, url) === undefined) return match;
  try {
    return { unlisted: new URL(url).origin };
  } catch {
    return undefined;
  }
}
