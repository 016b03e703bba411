import { randomBytes, randomUUID, createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BlobServiceClient } from "@azure/storage-blob";
import { QueueClient } from "@azure/storage-queue";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createServices, type AppServices } from "../../src/app/services";
import { parseConfig } from "../../src/config/appConfig";
import { byosAccess } from "../../src/byos/byosAccess";
import { eraseParticipant } from "../../src/participants/participantErase";
import { exportParticipant } from "../../src/participants/participantExport";
import { findParticipant } from "../../src/participants/participantSearch";
import type { Log } from "../../src/shared/log";
import { listBlobs } from "../support/archiveHarness";
import { startStorageRefusalProxy, type StorageRefusalProxy } from "../support/storageRefusalProxy";
import { TEST_ACS_CONNECTION_STRING, uniqueName } from "../support/testSettings";

const FIXTURE = join(__dirname, "..", "fixtures", "events", "derived-docs-byos-quickstart.ga-2023.azureblob.eventgrid.json");
const PARTICIPANT = "8:acs:33333333-cccc-4ccc-8ccc-000000000003_00000003-erin";

const quietLog = (): Log & { lines: string[] } => {
  const lines: string[] = [];
  const push = (...args: unknown[]): void => void lines.push(args.map(String).join(" "));
  return { lines, debug: push, info: push, warn: push, error: push };
};

interface SeenRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string | string[] | undefined>;
}

let proxy: StorageRefusalProxy;
const seen: SeenRequest[] = [];
let blobs: BlobServiceClient;
let archiveStorage: string;

beforeAll(async () => {
  const azurite = inject("azuriteConnectionString");
  const blobEndpoint = /BlobEndpoint=([^;]+)/.exec(azurite)?.[1] ?? "";
  // Every blob request (archive and BYOS account alike) goes through a recording hop, to prove what was (not) sent.
  proxy = await startStorageRefusalProxy(new URL(blobEndpoint).origin, (request) => {
    seen.push({ method: request.method ?? "", url: request.url ?? "", headers: { ...request.headers } });
    return undefined;
  });
  archiveStorage = azurite.replace(/BlobEndpoint=[^;]+/, `BlobEndpoint=${proxy.url}/devstoreaccount1`);
  blobs = BlobServiceClient.fromConnectionString(archiveStorage);
});
afterAll(() => proxy.close());

/** A BYOS recording as ACS leaves it in the customer's container (layout of the BYOS quickstart). */
async function byosRecording(byosContainer: string): Promise<{ event: object; media: Buffer; mediaName: string; documentId: string }> {
  const container = blobs.getContainerClient(byosContainer);
  await container.createIfNotExists();
  const documentId = `0-eus-d4-${randomBytes(16).toString("hex")}`;
  const callId = randomUUID();
  const recordingId = Buffer.from(JSON.stringify({ PlatformEndpointId: randomUUID() })).toString("base64");
  const folder = `20231117/${callId}/${recordingId.slice(0, 8)}-${randomUUID()}`;
  const media = randomBytes(300_000);
  const mediaName = `${folder}/0-audiomp3.${documentId}.mp3`;
  await container
    .getBlockBlobClient(mediaName)
    .uploadData(media, { blobHTTPHeaders: { blobContentType: "audio/mpeg", blobContentMD5: createHash("md5").update(media).digest() } });
  const metadata = JSON.stringify({ chunkDocumentId: documentId, chunkIndex: 0, participants: [{ participantId: PARTICIPANT }] });
  await container.getBlockBlobClient(`${folder}/0-acsmetadata.${documentId}.json`).upload(metadata, Buffer.byteLength(metadata));
  const template = JSON.parse(readFileSync(FIXTURE, "utf8")) as {
    subject: string;
    id: string;
    data: { recordingId: string; recordingStorageInfo: { recordingChunks: Record<string, unknown>[] } };
  };
  const base = `${proxy.url}/devstoreaccount1/${byosContainer}`;
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
            { ...chunk, documentId, contentLocation: `${base}/${mediaName}`, metadataLocation: `${base}/${folder}/0-acsmetadata.${documentId}.json` },
          ],
        },
      },
    },
    media,
    mediaName,
    documentId,
  };
}

function servicesFor(overrides: Record<string, string>): { services: AppServices; queue: QueueClient; container: string } {
  const container = uniqueName("byos-arch");
  const queue = uniqueName("byos-chunks");
  const config = parseConfig({
    AzureWebJobsStorage: archiveStorage,
    ACS_CONNECTION_STRING: TEST_ACS_CONNECTION_STRING,
    RECORDINGS_CONTAINER: container,
    CHUNK_QUEUE: queue,
    PARTICIPANT_INDEX_KEY: "byos-test-participant-index-key-0123456789",
    ...overrides,
  });
  return { services: createServices(config), queue: new QueueClient(inject("azuriteConnectionString"), queue), container };
}

/** The app's access to BYOS accounts, as the command line builds it. */
const access = (): ReturnType<typeof byosAccess> =>
  byosAccess(parseConfig({ AzureWebJobsStorage: archiveStorage, ACS_CONNECTION_STRING: TEST_ACS_CONNECTION_STRING }).recordingsStorage);

/** Intake, then the queued message through the archive job: the app's real path. */
async function intakeAndArchive(
  services: AppServices,
  queue: QueueClient,
  event: object,
  log: Log,
): Promise<{ report: Awaited<ReturnType<AppServices["intake"]["receive"]>>; results: unknown[]; messages: string[] }> {
  await queue.createIfNotExists();
  const report = await services.intake.receive([event], "test", log);
  const results: unknown[] = [];
  const messages: string[] = [];
  const received = await queue.receiveMessages({ numberOfMessages: 32 });
  for (const item of received.receivedMessageItems) {
    messages.push(Buffer.from(item.messageText, "base64").toString("utf8"));
    results.push(await services.archiveJob.run(messages[messages.length - 1], log));
  }
  return { report, results, messages };
}

describe("bring-your-own-storage chunks (Azurite)", () => {
  it("catalogues a chunk in a listed account: size checked with the app's credential, metadata copied and indexed, media not copied, no ACS request", async () => {
    const byosContainer = uniqueName("acs-byos");
    const recording = await byosRecording(byosContainer);
    const { services, queue, container } = servicesFor({ BYOS_STORAGE_ACCOUNTS: `${proxy.url}/devstoreaccount1` });
    const log = quietLog();
    const before = seen.length;
    const { report, results, messages } = await intakeAndArchive(services, queue, recording.event, log);
    expect(report).toMatchObject({ accepted: 1, enqueued: 1, rejected: [] });
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ status: "archived", bytes: recording.media.length, downloadedBytes: 0, deletedFromAcs: false });

    const archive = blobs.getContainerClient(container);
    const names = await listBlobs(archive, "calls/");
    expect(names.filter((name) => name.endsWith(".byos.json"))).toHaveLength(1);
    expect(names.filter((name) => name.endsWith(".metadata.json"))).toHaveLength(1);
    expect(names.filter((name) => name.endsWith(".mp3"))).toHaveLength(0);
    const record = JSON.parse(
      (await archive.getBlobClient(names.find((name) => name.endsWith(".byos.json")) ?? "").downloadToBuffer()).toString("utf8"),
    ) as Record<string, unknown>;
    expect(record).toMatchObject({
      version: 1,
      kind: "byosChunk",
      documentId: recording.documentId,
      index: 0,
      chunkCount: 1,
      storageType: "AzureBlob",
      account: `${proxy.url}/devstoreaccount1`,
      media: { bytes: recording.media.length, contentType: "audio/mpeg", contentMD5: createHash("md5").update(recording.media).digest("base64") },
      metadata: { archivedBlob: names.find((name) => name.endsWith(".metadata.json")) },
    });

    // The BYOS blobs were only looked at (HEAD of both, metadata GET), with Storage auth; nothing ACS-signed.
    const byosRequests = seen.slice(before).filter((request) => request.url.includes(`/${byosContainer}/`));
    expect(byosRequests.map((request) => request.method).sort()).toEqual(["GET", "HEAD", "HEAD"]);
    for (const request of seen.slice(before)) {
      expect(String(request.headers["authorization"] ?? "")).not.toMatch(/HMAC-SHA256/i);
      expect(request.headers["x-ms-content-sha256"]).toBeUndefined();
    }

    const participants = services.participants;
    if (!participants) throw new Error("index disabled");
    const found = await findParticipant(participants.index, participants.recordings, PARTICIPANT);
    expect(found.totals).toMatchObject({ chunks: 1, recordings: 1 });
    expect(found.chunks[0]).toMatchObject({ store: "byos" });
    expect(found.chunks[0]?.files.map((file) => file.kind).sort()).toEqual(["catalogue", "metadata"]);

    // A second delivery is a no-op.
    const again = await services.archiveJob.run(messages[0], log);
    expect(again).toMatchObject({ status: "alreadyArchived", bytes: recording.media.length });
    expect(log.lines.join("\n")).not.toContain(PARTICIPANT);

    // The recording is complete in the catalog: its manifest names the media where ACS put it, and the status API agrees.
    const manifestName = (await listBlobs(archive, "calls/")).find((name) => name.endsWith("/manifest.json"));
    expect(manifestName).toBeDefined();
    const manifest = JSON.parse((await archive.getBlobClient(manifestName ?? "").downloadToBuffer()).toString("utf8")) as {
      callId: string;
      chunks: { media: Record<string, unknown> }[];
      participantIds: string[];
    };
    expect(manifest.chunks).toHaveLength(1);
    expect(manifest.chunks[0]?.media).toMatchObject({
      store: "byos",
      url: `${proxy.url}/devstoreaccount1/${byosContainer}/${recording.mediaName}`,
      bytes: recording.media.length,
      sha256: null,
      contentMD5: createHash("md5").update(recording.media).digest("base64"),
      record: `${container}/${names.find((name) => name.endsWith(".byos.json")) ?? ""}`,
    });
    expect(manifest.participantIds).toEqual([PARTICIPANT]);
    const status = await services.callStatus.read(manifest.callId);
    expect(status?.recordings[0]).toMatchObject({ complete: true, chunks: [{ state: "archived", media: { store: "byos", bytes: recording.media.length } }] });

    // Export fetches the catalogued media from the customer's account and verifies it against the recorded MD5.
    const out = mkdtempSync(join(tmpdir(), "byos-export-"));
    try {
      const exported = await exportParticipant(PARTICIPANT, {
        index: participants.index,
        recordings: participants.recordings,
        directory: out,
        idleTimeoutMs: 30_000,
        log,
        byos: { access: access(), accounts: [`${proxy.url}/devstoreaccount1`] },
      });
      expect(exported.totals).toMatchObject({ files: 4, failed: 0 }); // media, metadata, catalogue record, manifest
      const media = exported.files.find((file) => file.blob.startsWith("http"));
      expect(media).toMatchObject({ status: "downloaded", verifiedAgainst: "contentMD5", bytes: recording.media.length });
      expect(readFileSync(join(out, media?.path ?? "")).equals(recording.media)).toBe(true);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }

    // Erasing the participant erases the customer's BYOS blobs of the recording too (listed account only).
    const byosBlobs = await listBlobs(blobs.getContainerClient(byosContainer));
    expect(byosBlobs).toHaveLength(2);
    const erased = await eraseParticipant(PARTICIPANT, {
      index: participants.index,
      recordings: participants.recordings,
      identity: "test",
      dryRun: false,
      log,
      byos: { access: access(), accounts: [`${proxy.url}/devstoreaccount1`] },
    });
    expect(erased.complete).toBe(true);
    expect(erased.chunks[0]?.deleted.filter((name) => name.startsWith("http"))).toHaveLength(2);
    expect(await listBlobs(blobs.getContainerClient(byosContainer))).toEqual([]);
    expect(await listBlobs(archive, "calls/")).toEqual([]);
  });

  it("quarantines a chunk in an account that is not listed, with a reason naming BYOS_STORAGE_ACCOUNTS", async () => {
    const recording = await byosRecording(uniqueName("acs-byos"));
    const { services, queue } = servicesFor({});
    const { report, results } = await intakeAndArchive(services, queue, recording.event, quietLog());
    expect(report.enqueued).toBe(0);
    expect(results).toHaveLength(0);
    expect(report.rejected).toHaveLength(1);
    expect(report.rejected[0]?.message).toMatch(
      /contentLocation is a blob in storage account .*not listed in BYOS_STORAGE_ACCOUNTS.*add that account's blob endpoint to the BYOS_STORAGE_ACCOUNTS setting/,
    );
    const [quarantineContainer, ...rest] = (report.rejected[0]?.keptAt ?? "").split("/");
    expect(
      await blobs
        .getContainerClient(quarantineContainer ?? "")
        .getBlobClient(rest.join("/"))
        .exists(),
    ).toBe(true);

    const cloud = JSON.parse(JSON.stringify(recording.event)) as { data: { recordingStorageInfo: { recordingChunks: { contentLocation: string }[] } } };
    const chunk = cloud.data.recordingStorageInfo.recordingChunks[0];
    if (chunk) chunk.contentLocation = "https://contosorecordings.blob.core.windows.net/recordings/20231117/x/0-audiomp3.doc.mp3";
    const second = await intakeAndArchive(services, queue, cloud, quietLog());
    expect(second.report.rejected[0]?.message).toMatch(/https:\/\/contosorecordings\.blob\.core\.windows\.net, which is not listed in BYOS_STORAGE_ACCOUNTS/);
  });

  it("with BYOS_COPY=true asks Storage to copy server-side (Copy Blob From URL, a read-only SAS source, no media bytes through the app)", async () => {
    const byosContainer = uniqueName("acs-byos");
    const recording = await byosRecording(byosContainer);
    const { services, queue, container } = servicesFor({ BYOS_STORAGE_ACCOUNTS: `${proxy.url}/devstoreaccount1`, BYOS_COPY: "true" });
    const before = seen.length;
    const { results } = await intakeAndArchive(services, queue, recording.event, quietLog());
    const copies = seen.slice(before).filter((request) => request.method === "PUT" && request.headers["x-ms-copy-source"] !== undefined);
    expect(copies).toHaveLength(1);
    const copy = copies[0];
    expect(copy?.url).toContain(`/${container}/calls/`);
    expect(copy?.headers["x-ms-requires-sync"]).toBe("true");
    expect(String(copy?.headers["x-ms-copy-source"])).toContain(`/${byosContainer}/${recording.mediaName}?`);
    expect(String(copy?.headers["x-ms-copy-source"])).toMatch(/[?&]sp=r&/);
    expect(copy?.headers["content-length"] ?? "0").toBe("0");
    // The media bytes never travelled through the app: no GET of the media blob.
    expect(seen.slice(before).filter((request) => request.method === "GET" && request.url.includes(recording.mediaName))).toHaveLength(0);
    // Azurite implements Copy Blob From URL with a SAS source (not with a Bearer source): the copy is real and verified.
    expect(results[0]).toMatchObject({ status: "archived", bytes: recording.media.length, downloadedBytes: 0 });
    const archive = blobs.getContainerClient(container);
    const names = await listBlobs(archive, "calls/");
    const copied = names.find((name) => name.endsWith(".mp3"));
    if (!copied) throw new Error(`no copy in ${names.join(", ")}`);
    expect((await archive.getBlobClient(copied).downloadToBuffer()).equals(recording.media)).toBe(true);
    const record = JSON.parse((await archive.getBlobClient(names.find((name) => name.endsWith(".byos.json")) ?? "").downloadToBuffer()).toString("utf8")) as {
      media: { archivedCopy?: unknown };
    };
    expect(record.media.archivedCopy).toMatchObject({ blob: copied, bytes: recording.media.length });
    // The source has a Content-MD5 and the copy carries the same one.
    expect((record.media.archivedCopy as { verified: string }).verified).toBe("md5");
  });
});
