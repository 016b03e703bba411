// Integration tier. Needs: Azurite, loopback servers.
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BlobServiceClient } from "@azure/storage-blob";
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
import { byosRecording as recordingIn, startByosAccount, type ByosAccount } from "../support/byosAccount";
import { TEST_ACS_CONNECTION_STRING, uniqueName } from "../support/testSettings";

const PARTICIPANT = "8:acs:33333333-cccc-4ccc-8ccc-000000000003_00000003-erin";

const quietLog = (): Log & { lines: string[] } => {
  const lines: string[] = [];
  const push = (...args: unknown[]): void => void lines.push(args.map(String).join(" "));
  return { lines, debug: push, info: push, warn: push, error: push };
};

let account: ByosAccount;
let proxy: ByosAccount["proxy"];
let seen: ByosAccount["seen"];
let blobs: BlobServiceClient;
let archiveStorage: string;

beforeAll(async () => {
  // Every blob request (archive and BYOS account alike) goes through a recording hop, to prove what was (not) sent.
  account = await startByosAccount(inject("azuriteConnectionString"));
  ({ proxy, seen, blobs, storage: archiveStorage } = account);
});
afterAll(() => proxy.close());

/** A BYOS recording as ACS leaves it in the customer's container (layout of the BYOS quickstart). */
const byosRecording = (byosContainer: string): ReturnType<typeof recordingIn> =>
  recordingIn(account, byosContainer, PARTICIPANT);

function servicesFor(overrides: Record<string, string>): {
  services: AppServices;
  queue: QueueClient;
  container: string;
} {
  const container = uniqueName("byos-arch");
  const queue = uniqueName("byos-chunks");
  const config = parseConfig({
    AzureWebJobsStorage: archiveStorage,
    ACS_CONNECTION_STRING: TEST_ACS_CONNECTION_STRING,
    RECORDINGS_CONTAINER: container,
    CHUNK_QUEUE: queue,
    PARTICIPANT_INDEX_KEY: "/b1SRYTwhsMNHBmlLmdQtyY+wof91z3ib6V8Y/4wx4Q=",
    ...overrides,
  });
  return {
    services: createServices(config),
    queue: new QueueClient(inject("azuriteConnectionString"), queue),
    container,
  };
}

/** The app's access to BYOS accounts, as the command line builds it. */
const access = (): ReturnType<typeof byosAccess> =>
  byosAccess(
    parseConfig({ AzureWebJobsStorage: archiveStorage, ACS_CONNECTION_STRING: TEST_ACS_CONNECTION_STRING })
      .recordingsStorage,
  );

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
    const { services, queue, container } = servicesFor({
      BYOS_STORAGE_ACCOUNTS: `${proxy.url}/devstoreaccount1/${byosContainer}`,
    });
    const log = quietLog();
    const before = seen.length;
    const { report, results, messages } = await intakeAndArchive(services, queue, recording.event, log);
    expect(report).toMatchObject({ accepted: 1, enqueued: 1, rejected: [] });
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({
      status: "archived",
      bytes: recording.media.length,
      downloadedBytes: 0,
      deletedFromAcs: false,
    });

    const archive = blobs.getContainerClient(container);
    const names = await listBlobs(archive, "calls/");
    expect(names.filter((name) => name.endsWith(".byos.json"))).toHaveLength(1);
    expect(names.filter((name) => name.endsWith(".metadata.json"))).toHaveLength(1);
    expect(names.filter((name) => name.endsWith(".mp3"))).toHaveLength(0);
    const record = JSON.parse(
      (
        await archive.getBlobClient(names.find((name) => name.endsWith(".byos.json")) ?? "").downloadToBuffer()
      ).toString("utf8"),
    ) as Record<string, unknown>;
    expect(record).toMatchObject({
      version: 1,
      kind: "byosChunk",
      documentId: recording.documentId,
      index: 0,
      chunkCount: 1,
      storageType: "AzureBlob",
      account: `${proxy.url}/devstoreaccount1`,
      container: `${proxy.url}/devstoreaccount1/${byosContainer}`,
      media: {
        bytes: recording.media.length,
        contentType: "audio/mpeg",
        contentMD5: createHash("md5").update(recording.media).digest("base64"),
      },
      metadata: { archivedBlob: names.find((name) => name.endsWith(".metadata.json")) },
    });
    // The BYOS blobs were only looked at (HEAD, metadata GET), with Storage auth; nothing ACS-signed.
    const byosRequests = seen.slice(before).filter((request) => request.url.includes(`/${byosContainer}/`));
    expect(byosRequests.map((request) => request.method).sort()).toEqual(["GET", "HEAD"]);
    for (const request of seen.slice(before)) {
      expect(String(request.headers["authorization"] ?? "")).not.toMatch(/HMAC-SHA256/i);
      expect(request.headers["x-ms-content-sha256"]).toBeUndefined();
    }
    // The versions catalogued, by ETag: a later erasure deletes a customer's blob only while it is still that version.
    const customer = blobs.getContainerClient(byosContainer);
    expect((record["media"] as { etag?: string }).etag).toBe(
      (await customer.getBlobClient(recording.mediaName).getProperties()).etag,
    );
    expect((record["metadata"] as { etag?: string }).etag).toBe(
      (
        await customer
          .getBlobClient(recording.mediaName.replace(/0-audiomp3\.(.+)\.mp3$/, "0-acsmetadata.$1.json"))
          .getProperties()
      ).etag,
    );

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
    const manifest = JSON.parse(
      (await archive.getBlobClient(manifestName ?? "").downloadToBuffer()).toString("utf8"),
    ) as {
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
    expect(status?.recordings[0]).toMatchObject({
      complete: true,
      chunks: [{ state: "archived", media: { store: "byos", bytes: recording.media.length } }],
    });

    // Export fetches the catalogued media from the customer's account and verifies it against the recorded MD5.
    const out = mkdtempSync(join(tmpdir(), "byos-export-"));
    try {
      const exported = await exportParticipant(PARTICIPANT, {
        index: participants.index,
        recordings: participants.recordings,
        directory: out,
        idleTimeoutMs: 30_000,
        log,
        byos: { access: access(), containers: services.config.byosContainers },
      });
      expect(exported.totals).toMatchObject({ files: 4, failed: 0 }); // media, metadata, catalogue record, manifest
      const media = exported.files.find((file) => file.blob.startsWith("http"));
      expect(media).toMatchObject({
        status: "downloaded",
        verifiedAgainst: "contentMD5",
        bytes: recording.media.length,
      });
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
      byos: { access: access(), containers: services.config.byosContainers },
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
      /contentLocation is a blob in storage account .*not a container listed in BYOS_STORAGE_ACCOUNTS.*add the destination container's URL .* to the BYOS_STORAGE_ACCOUNTS setting/,
    );
    const [quarantineContainer, ...rest] = (report.rejected[0]?.keptAt ?? "").split("/");
    expect(
      await blobs
        .getContainerClient(quarantineContainer ?? "")
        .getBlobClient(rest.join("/"))
        .exists(),
    ).toBe(true);

    const cloud = JSON.parse(JSON.stringify(recording.event)) as {
      data: { recordingStorageInfo: { recordingChunks: { contentLocation: string }[] } };
    };
    const chunk = cloud.data.recordingStorageInfo.recordingChunks[0];
    if (chunk)
      chunk.contentLocation =
        "https://contosorecordings.blob.core.windows.net/recordings/20231117/x/0-audiomp3.doc.mp3";
    const second = await intakeAndArchive(services, queue, cloud, quietLog());
    expect(second.report.rejected[0]?.message).toMatch(
      /https:\/\/contosorecordings\.blob\.core\.windows\.net, which is not a container listed in BYOS_STORAGE_ACCOUNTS/,
    );
  });

  it("with BYOS_COPY=true asks Storage to copy server-side (Copy Blob From URL, a read-only SAS source, no media bytes through the app)", async () => {
    const byosContainer = uniqueName("acs-byos");
    const recording = await byosRecording(byosContainer);
    const { services, queue, container } = servicesFor({
      BYOS_STORAGE_ACCOUNTS: `${proxy.url}/devstoreaccount1/${byosContainer}`,
      BYOS_COPY: "true",
    });
    const before = seen.length;
    const { results } = await intakeAndArchive(services, queue, recording.event, quietLog());
    const copies = seen
      .slice(before)
      .filter((request) => request.method === "PUT" && request.headers["x-ms-copy-source"] !== undefined);
    expect(copies).toHaveLength(1);
    const copy = copies[0];
    expect(copy?.url).toContain(`/${container}/calls/`);
    expect(copy?.headers["x-ms-requires-sync"]).toBe("true");
    expect(String(copy?.headers["x-ms-copy-source"])).toContain(`/${byosContainer}/${recording.mediaName}?`);
    expect(String(copy?.headers["x-ms-copy-source"])).toMatch(/[?&]sp=r&/);
    expect(copy?.headers["content-length"] ?? "0").toBe("0");
    // The media bytes never travelled through the app: no GET of the media blob.
    expect(
      seen.slice(before).filter((request) => request.method === "GET" && request.url.includes(recording.mediaName)),
    ).toHaveLength(0);
    // Azurite implements Copy Blob From URL with a SAS source (not with a Bearer source): the copy is real and verified.
    expect(results[0]).toMatchObject({ status: "archived", bytes: recording.media.length, downloadedBytes: 0 });
    const archive = blobs.getContainerClient(container);
    const names = await listBlobs(archive, "calls/");
    const copied = names.find((name) => name.endsWith(".mp3"));
    if (!copied) throw new Error(`no copy in ${names.join(", ")}`);
    expect((await archive.getBlobClient(copied).downloadToBuffer()).equals(recording.media)).toBe(true);
    const record = JSON.parse(
      (
        await archive.getBlobClient(names.find((name) => name.endsWith(".byos.json")) ?? "").downloadToBuffer()
      ).toString("utf8"),
    ) as {
      media: { archivedCopy?: unknown };
    };
    expect(record.media.archivedCopy).toMatchObject({ blob: copied, bytes: recording.media.length });
    // The source has a Content-MD5 and the copy carries the same one.
    expect((record.media.archivedCopy as { verified: string }).verified).toBe("md5");
  });
});
