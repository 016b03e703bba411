import { createHash, randomBytes, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { BlobServiceClient } from "@azure/storage-blob";
import { startStorageRefusalProxy, type StorageRefusalProxy } from "./storageRefusalProxy";

/** A request that reached the blob service through the recording hop. */
interface SeenRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string | string[] | undefined>;
}

/**
 * Azurite's blob service behind a recording HTTP hop, standing in for the archive account and a customer's BYOS
 * account alike: every request is kept in `seen`, to prove what was (and was not) sent where.
 */
export interface ByosAccount {
  readonly proxy: StorageRefusalProxy;
  readonly seen: SeenRequest[];
  /** A client of the account through the hop. */
  readonly blobs: BlobServiceClient;
  /** The Azurite connection string with its blob endpoint through the hop. */
  readonly storage: string;
  /** `http://127.0.0.1:<hop port>/devstoreaccount1`: the account's blob endpoint (path-style). */
  readonly accountUrl: string;
}

export async function startByosAccount(azurite: string): Promise<ByosAccount> {
  const blobEndpoint = /BlobEndpoint=([^;]+)/.exec(azurite)?.[1] ?? "";
  const seen: SeenRequest[] = [];
  const proxy = await startStorageRefusalProxy(new URL(blobEndpoint).origin, (request) => {
    seen.push({ method: request.method ?? "", url: request.url ?? "", headers: { ...request.headers } });
    return undefined;
  });
  const storage = azurite.replace(/BlobEndpoint=[^;]+/, `BlobEndpoint=${proxy.url}/devstoreaccount1`);
  return {
    proxy,
    seen,
    blobs: BlobServiceClient.fromConnectionString(storage),
    storage,
    accountUrl: `${proxy.url}/devstoreaccount1`,
  };
}

const FIXTURE = join(
  __dirname,
  "..",
  "fixtures",
  "events",
  "derived-docs-byos-quickstart.ga-2023.azureblob.eventgrid.json",
);

export interface ByosRecording {
  /** The BYOS quickstart's event (the derived GA fixture) naming this recording's blobs. */
  readonly event: {
    readonly id: string;
    readonly subject: string;
    readonly data: {
      readonly recordingId: string;
      readonly recordingStorageInfo: { readonly recordingChunks: Record<string, unknown>[] };
    };
  };
  readonly media: Buffer;
  /** Blob names in the customer's container. */
  readonly mediaName: string;
  readonly metadataName: string;
  readonly documentId: string;
  readonly callId: string;
}

/** A BYOS recording as ACS leaves it in the customer's container, in the BYOS quickstart's layout, and its event. */
export async function byosRecording(
  account: ByosAccount,
  byosContainer: string,
  participantId: string,
): Promise<ByosRecording> {
  const container = account.blobs.getContainerClient(byosContainer);
  await container.createIfNotExists();
  const documentId = `0-eus-d4-${randomBytes(16).toString("hex")}`;
  const callId = randomUUID();
  const recordingId = Buffer.from(JSON.stringify({ PlatformEndpointId: randomUUID() })).toString("base64");
  const folder = `20231117/${callId}/${recordingId.slice(0, 8)}-${randomUUID()}`;
  const media = randomBytes(300_000);
  const mediaName = `${folder}/0-audiomp3.${documentId}.mp3`;
  const metadataName = `${folder}/0-acsmetadata.${documentId}.json`;
  await container.getBlockBlobClient(mediaName).uploadData(media, {
    blobHTTPHeaders: { blobContentType: "audio/mpeg", blobContentMD5: createHash("md5").update(media).digest() },
  });
  const metadata = JSON.stringify({ chunkDocumentId: documentId, chunkIndex: 0, participants: [{ participantId }] });
  await container.getBlockBlobClient(metadataName).upload(metadata, Buffer.byteLength(metadata));
  const template = JSON.parse(readFileSync(FIXTURE, "utf8")) as {
    subject: string;
    data: { recordingId: string; recordingStorageInfo: { recordingChunks: Record<string, unknown>[] } };
  };
  const base = `${account.accountUrl}/${byosContainer}`;
  const chunk = template.data.recordingStorageInfo.recordingChunks[0] ?? {};
  return {
    event: {
      ...template,
      id: randomUUID(),
      subject: `/recording/call/${callId}/serverCallId/${template.subject.split("/").pop() ?? ""}`,
      data: {
        ...template.data,
        recordingId,
        recordingStorageInfo: {
          recordingChunks: [
            {
              ...chunk,
              documentId,
              contentLocation: `${base}/${mediaName}`,
              metadataLocation: `${base}/${metadataName}`,
            },
          ],
        },
      },
    },
    media,
    mediaName,
    metadataName,
    documentId,
    callId,
  };
}
