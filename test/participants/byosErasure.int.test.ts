// Integration tier. Needs: Azurite, dist/, loopback servers.
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BlobServiceClient, type ContainerClient } from "@azure/storage-blob";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { byosAccess } from "../../src/byos/byosAccess";
import { parseConfig } from "../../src/config/appConfig";
import { byosContainer } from "../../src/config/byosContainers";
import type { ChunkRef } from "../../src/participants/chunkRef";
import { PARTICIPANT_INDEX_CONTAINER } from "../../src/participants/indexLayout";
import { eraseParticipant } from "../../src/participants/participantErase";
import { ParticipantIndex } from "../../src/participants/participantIndex";
import type { Log } from "../../src/shared/log";
import { listBlobs } from "../support/archiveHarness";
import { ensureCompiledCli, runCompiledCli } from "../support/compiledCli";
import { startStorageRefusalProxy, type StorageRefusalProxy } from "../support/storageRefusalProxy";
import { TEST_ACS_CONNECTION_STRING, uniqueName } from "../support/testSettings";

const PARTICIPANT = "8:acs:77777777-aaaa-4aaa-8aaa-000000000007_00000007-fay";
const quiet: Log = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

let proxy: StorageRefusalProxy;
let blobs: BlobServiceClient;
let archiveStorage: string;

beforeAll(async () => {
  ensureCompiledCli();
  const azurite = inject("azuriteConnectionString");
  // A plain hop in front of Azurite: the archive and the customer's container share its account (the shared key works for both).
  proxy = await startStorageRefusalProxy(
    new URL(/BlobEndpoint=([^;]+)/.exec(azurite)?.[1] ?? "").origin,
    () => undefined,
  );
  archiveStorage = azurite.replace(/BlobEndpoint=[^;]+/, `BlobEndpoint=${proxy.url}/devstoreaccount1`);
  blobs = BlobServiceClient.fromConnectionString(archiveStorage);
});
afterAll(() => proxy.close());

interface Planted {
  readonly ref: ChunkRef;
  readonly mediaUrl: string;
  readonly metadataUrl: string;
  readonly mediaName: string;
}

/**
 * A catalogued BYOS chunk as the archive job leaves it (catalogue record, archived copy of the metadata document, index
 * entries, location claims), with the blobs in the customer's container; `record` adjusts what the record says.
 */
async function plant(
  archive: ContainerClient,
  byos: ContainerClient,
  index: ParticipantIndex,
  destination: string,
  options: {
    mediaName?: (documentId: string) => string;
    record?: (record: Record<string, unknown>) => Record<string, unknown>;
    claimAlsoFor?: ChunkRef;
  } = {},
): Promise<Planted> {
  const documentId = `0-eus-d5-${randomBytes(10).toString("hex")}`;
  const folder = `calls/${randomBytes(6).toString("hex")}/20261201T100000000Z-rec/`;
  const ref = { folder, stem: `0000-${documentId}` };
  const prefix = `20261201/${randomBytes(6).toString("hex")}/rec`;
  const mediaName = options.mediaName?.(documentId) ?? `${prefix}/0-audiomp3.${documentId}.mp3`;
  const metadataName = `${prefix}/0-acsmetadata.${documentId}.json`;
  const metadata = JSON.stringify({ chunkDocumentId: documentId, participants: [{ participantId: PARTICIPANT }] });
  const media = await byos.getBlockBlobClient(mediaName).upload("media", 5);
  const document = await byos.getBlockBlobClient(metadataName).upload(metadata, Buffer.byteLength(metadata));
  const mediaUrl = `${destination}/${mediaName}`;
  const metadataUrl = `${destination}/${metadataName}`;
  const record = {
    version: 1,
    kind: "byosChunk",
    documentId,
    index: 0,
    chunkCount: 1,
    eventId: "e",
    account: destination,
    media: { url: mediaUrl, bytes: 5, etag: media.etag },
    metadata: {
      url: metadataUrl,
      bytes: Buffer.byteLength(metadata),
      archivedBlob: `${folder}${ref.stem}.metadata.json`,
      etag: document.etag,
    },
    cataloguedAt: new Date().toISOString(),
  };
  const text = JSON.stringify(options.record ? options.record(record) : record);
  await archive
    .getBlockBlobClient(`${folder}${ref.stem}.byos.json`)
    .upload(text, Buffer.byteLength(text), { metadata: { documentid: documentId } });
  await archive
    .getBlockBlobClient(`${folder}${ref.stem}.metadata.json`)
    .upload(metadata, Buffer.byteLength(metadata), { metadata: { documentid: documentId } });
  await index.indexChunk(archive, ref, { source: "archive", log: quiet, documentId, recordKey: "archive" });
  await index.claimByosLocations(ref, [mediaUrl, metadataUrl]);
  if (options.claimAlsoFor) await index.claimByosLocations(options.claimAlsoFor, [mediaUrl]);
  return { ref, mediaUrl, metadataUrl, mediaName };
}

describe("erasing the customer's BYOS blobs", () => {
  it("deletes a BYOS blob only when its name carries the chunk's documentId, its ETag still matches, and no other recording names it", async () => {
    const archive = blobs.getContainerClient(uniqueName("byos-erase"));
    await archive.create();
    const byos = blobs.getContainerClient(uniqueName("acs-byos"));
    await byos.create();
    const destination = `${proxy.url}/devstoreaccount1/${byos.containerName}`;
    const index = new ParticipantIndex(
      blobs.getContainerClient(PARTICIPANT_INDEX_CONTAINER),
      randomBytes(32).toString("base64"),
      archive.containerName,
    );

    const fine = await plant(archive, byos, index, destination);
    const changed = await plant(archive, byos, index, destination);
    await byos.getBlockBlobClient(changed.mediaName).upload("other", 5); // overwritten since it was catalogued: another ETag
    const namedTwice = await plant(archive, byos, index, destination, {
      claimAlsoFor: { folder: "calls/someone-else/20261201T100000000Z-rec/", stem: "0000-x" },
    });
    const unbound = await plant(archive, byos, index, destination, { mediaName: () => "hr-data/salaries.csv" });
    const noEtag = await plant(archive, byos, index, destination, {
      record: (record) => ({ ...record, media: { url: (record["media"] as { url: string }).url, bytes: 5 } }),
    });

    const access = byosAccess(
      parseConfig({ AzureWebJobsStorage: archiveStorage, ACS_CONNECTION_STRING: TEST_ACS_CONNECTION_STRING })
        .recordingsStorage,
    );
    const options = {
      index,
      recordings: archive,
      identity: "test",
      log: quiet,
      byos: { access, containers: [byosContainer(destination, [])] },
    };
    const plan = await eraseParticipant(PARTICIPANT, { ...options, dryRun: true });
    const planned = plan.chunks.flatMap((chunk) => chunk.byos);
    expect(planned).toEqual(expect.arrayContaining([fine.mediaUrl, fine.metadataUrl, changed.mediaUrl]));
    for (const url of [namedTwice.mediaUrl, unbound.mediaUrl, noEtag.mediaUrl]) expect(planned).not.toContain(url);

    const report = await eraseParticipant(PARTICIPANT, { ...options, dryRun: false });
    const refusalOf = (url: string): { kind: string; reason: string } | undefined =>
      report.chunks.flatMap((chunk) => chunk.refused).find((refusal) => refusal.blob === url);
    expect(report.complete).toBe(false);
    expect(report.chunks.find((chunk) => chunk.chunk === fine.ref.stem)?.outcome).toBe("erased");
    expect(refusalOf(changed.mediaUrl)).toMatchObject({ kind: "changed" });
    expect(refusalOf(namedTwice.mediaUrl)).toMatchObject({
      kind: "retained",
      reason: expect.stringMatching(/1 other recording chunk\(s\)' catalogue records name the same blob/) as unknown,
    });
    expect(refusalOf(unbound.mediaUrl)).toMatchObject({
      kind: "retained",
      reason: expect.stringMatching(
        /not this chunk's blob in a BYOS_STORAGE_ACCOUNTS container \(ACS's layout, naming the chunk's documentId\)/,
      ) as unknown,
    });
    expect(refusalOf(noEtag.mediaUrl)).toMatchObject({
      kind: "retained",
      reason: expect.stringMatching(/holds no ETag/) as unknown,
    });
    const left = await listBlobs(byos);
    expect(left).not.toContain(fine.mediaName);
    for (const kept of [changed, namedTwice, unbound, noEtag]) expect(left).toContain(kept.mediaName);
    // The catalogue record of a chunk whose BYOS blob is left stays, so a later run (or an operator) still finds it.
    const archived = await listBlobs(archive, "calls/");
    expect(archived.some((name) => name.startsWith(namedTwice.ref.folder) && name.endsWith(".byos.json"))).toBe(true);
    expect(archived.some((name) => name.startsWith(fine.ref.folder))).toBe(false);
  });
});

describe("BYOS blobs outside the BYOS_STORAGE_ACCOUNTS container", () => {
  it("are never exported or erased, even when a catalogue record (as a compromised app identity could write it) names one of the same account", async () => {
    const indexKey = randomBytes(32).toString("base64");
    const archive = blobs.getContainerClient(uniqueName("byos-bound"));
    await archive.create();
    const byos = blobs.getContainerClient(uniqueName("acs-byos"));
    await byos.create();
    // Another container of the customer's account: not where ACS writes, not listed.
    const hr = blobs.getContainerClient(uniqueName("hr-data"));
    await hr.create();
    const accountUrl = `${proxy.url}/devstoreaccount1`;
    const destination = `${accountUrl}/${byos.containerName}`;
    const index = new ParticipantIndex(
      blobs.getContainerClient(PARTICIPANT_INDEX_CONTAINER),
      indexKey,
      archive.containerName,
    );
    const secret = "name,salary\nalice,123456\n";
    let target = "";
    const planted = await plant(archive, byos, index, destination, {
      record: (record) => {
        const documentId = record["documentId"] as string;
        target = `20261201/payroll/q3/0-audiomp3.${documentId}.mp3`;
        return {
          ...record,
          account: accountUrl,
          media: { url: `${accountUrl}/${hr.containerName}/${target}`, bytes: secret.length },
        };
      },
    });
    const written = await hr.getBlockBlobClient(target).upload(secret, secret.length);
    const targetUrl = `${accountUrl}/${hr.containerName}/${target}`;
    // The record's ETag and claim, as the app identity would write them for a blob it catalogued.
    const recordName = `${planted.ref.folder}${planted.ref.stem}.byos.json`;
    const record = JSON.parse((await archive.getBlobClient(recordName).downloadToBuffer()).toString("utf8")) as Record<
      string,
      unknown
    >;
    const text = JSON.stringify({ ...record, media: { ...(record["media"] as object), etag: written.etag } });
    await archive.getBlockBlobClient(recordName).upload(text, Buffer.byteLength(text));
    await index.claimByosLocations(planted.ref, [targetUrl]);

    const env = {
      AzureWebJobsStorage: archiveStorage,
      RECORDINGS_CONTAINER: archive.containerName,
      PARTICIPANT_INDEX_KEY: indexKey,
      BYOS_STORAGE_ACCOUNTS: destination,
    };
    // The operator's export (with rights on the whole account) hands over nothing from the other container.
    const work = mkdtempSync(join(tmpdir(), "byos-bound-"));
    try {
      const out = join(work, "export");
      const exported = await runCompiledCli(["participants", "export", PARTICIPANT, "--out", out, "--no-progress"], {
        env,
      });
      expect(exported.code, exported.stderr).toBe(0);
      const report = JSON.parse(readFileSync(join(out, "export.json"), "utf8")) as { files: { blob: string }[] };
      expect(report.files.map((file) => file.blob)).not.toContain(targetUrl);
      expect(
        readdirSync(out, { recursive: true })
          .map(String)
          .some((name) => name.includes(".byos-")),
      ).toBe(false);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }

    // Nor does the operator's erasure delete it: retained, said, and the erasure is not complete.
    const erased = await runCompiledCli(["participants", "erase", PARTICIPANT, "--yes"], { env });
    const report = JSON.parse(erased.stdout) as {
      complete: boolean;
      chunks: { byos: string[]; deleted: string[]; refused: { blob: string; reason: string }[] }[];
    };
    expect(report.chunks.flatMap((chunk) => chunk.deleted)).not.toContain(targetUrl);
    expect(
      report.chunks.flatMap((chunk) => chunk.refused).find((refusal) => refusal.blob === targetUrl)?.reason,
    ).toMatch(/BYOS_STORAGE_ACCOUNTS container/);
    expect(report.complete).toBe(false);
    expect(await listBlobs(hr)).toEqual([target]);
  });
});
