// Integration tier. Needs: Azurite, the ACS simulator, dist/, loopback servers.
import { createHash, createHmac } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type ContainerClient } from "@azure/storage-blob";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { OPERATIONAL_PREFIXES } from "../../src/layout/blobLayout";
import { ErasureTombstones } from "../../src/catalog/erasureTombstones";
import type { Log } from "../../src/shared/log";
import { PARTICIPANT_INDEX_CONTAINER, checkpointName } from "../../src/participants/indexLayout";
import { exportParticipant } from "../../src/participants/participantExport";
import { findParticipant } from "../../src/participants/participantSearch";
import { ParticipantIndex } from "../../src/participants/participantIndex";
import { reindexParticipants } from "../../src/participants/participantReindex";
import { AZURITE_KEY } from "../../tools/azurite";
import { listBlobs } from "../support/archiveHarness";
import { runCompiledCli, type CliRun } from "../support/compiledCli";
import { startStorageRefusalProxy } from "../support/storageRefusalProxy";
import { archiveRecordings as archiveAll } from "../support/participantArchive";
import { useSimAndAzurite } from "../support/simAndAzurite";
import { uniqueName, simSettings } from "../support/testSettings";

/** 32 random bytes, base64 (as `openssl rand -base64 32` writes them). */
const INDEX_KEY = "iU3e+YdZ0BR9YG2SPPiPz5F3WLSWw1brHEE6+y5d1HM=";
const ALICE = "8:acs:11111111-aaaa-4aaa-8aaa-000000000001_0000001a-alice";
const BOB = "8:acs:11111111-aaaa-4aaa-8aaa-000000000001_0000001b-bob";
const CAROL = "4:+31612345678";
const RAW_IDS = [ALICE, BOB, CAROL];

const keyed = (id: string): string => createHmac("sha256", INDEX_KEY).update(id, "utf8").digest("hex");

function runCli(args: readonly string[], env: Record<string, string>, stdin = ""): Promise<CliRun> {
  return runCompiledCli(args, { env, cwd: setup.workDir, stdin });
}

/** A Log that keeps every line, to prove no raw participantId reaches a log. */
function capturingLog(): Log & { lines: string[] } {
  const lines: string[] = [];
  const push = (...args: unknown[]): void => void lines.push(args.map(String).join(" "));
  return { lines, debug: push, info: push, warn: push, error: push };
}

function expectNoRawId(text: string): void {
  for (const id of RAW_IDS) expect(text).not.toContain(id);
}

const setup = useSimAndAzurite({ workDirPrefix: "participants-", compiledCli: true });

function settingsFor(overrides: Record<string, string> = {}): Record<string, string> {
  return simSettings(setup.sim, {
    RECORDINGS_CONTAINER: uniqueName("dsr"),
    CHUNK_QUEUE: uniqueName("dsr-chunks"),
    PARTICIPANT_INDEX_KEY: INDEX_KEY,
    ...overrides,
  });
}

function archiveRecordings(
  settings: Record<string, string>,
  recordings: readonly (readonly string[])[],
  log: Log,
): Promise<void> {
  return archiveAll(setup.sim, inject("azuriteConnectionString"), settings, recordings, log);
}

async function indexBlobs(): Promise<{ name: string; body: string }[]> {
  const container = setup.blobs.getContainerClient(PARTICIPANT_INDEX_CONTAINER);
  const names = await listBlobs(container);
  return Promise.all(
    names.map(async (name) => ({
      name,
      body: (await container.getBlobClient(name).downloadToBuffer()).toString("utf8"),
    })),
  );
}

interface FoundJson {
  participant: string;
  matched: boolean;
  message: string;
  chunks: {
    folder: string;
    chunk: string;
    index: number;
    chunkCount?: number;
    files: { name: string; kind: string; sha256?: string; bytes: number }[];
  }[];
  totals: { chunks: number; recordings: number };
}

describe("participant index at archive time, find, export, erase (Azurite + simulator)", () => {
  const settings = (): Record<string, string> => shared;
  let shared: Record<string, string>;
  let archiveLog: Log & { lines: string[] };

  beforeAll(async () => {
    shared = settingsFor();
    archiveLog = capturingLog();
    // Recording 1: Alice and Bob; recording 2: Alice and Carol; recording 3: Bob only.
    await archiveRecordings(shared, [[ALICE, BOB], [ALICE, CAROL], [BOB]], archiveLog);
  }, 120_000);

  it("indexes every participant at archive time under keyed hashes only: no raw id in any index blob name, body or log line", async () => {
    const entries = (await indexBlobs()).filter((entry) =>
      entry.body.includes(shared["RECORDINGS_CONTAINER"] as string),
    );
    // One entry per participant and chunk (each recording has two chunks), named after the chunk.
    expect(
      entries.filter((entry) =>
        entry.name.startsWith(`participants/${keyed(ALICE)}/${shared["RECORDINGS_CONTAINER"] as string}/`),
      ),
    ).toHaveLength(4);
    expect(
      entries.filter((entry) =>
        entry.name.startsWith(`participants/${keyed(BOB)}/${shared["RECORDINGS_CONTAINER"] as string}/`),
      ),
    ).toHaveLength(4);
    expect(
      entries.filter((entry) =>
        entry.name.startsWith(`participants/${keyed(CAROL)}/${shared["RECORDINGS_CONTAINER"] as string}/`),
      ),
    ).toHaveLength(2);
    for (const entry of entries.filter((candidate) => candidate.name.startsWith("participants/")))
      expect(entry.name).toMatch(/^participants\/[0-9a-f]{64}\/[a-z0-9-]+\/[^/]+\/[^/]+\/\d{4}-[^/]+\.json$/);
    for (const entry of entries) {
      expectNoRawId(entry.name);
      expectNoRawId(entry.body);
    }
    expect(archiveLog.lines.some((line) => line.includes("Participant index"))).toBe(true);
    expectNoRawId(archiveLog.lines.join("\n"));
  });

  it("find --json lists the participant's chunks with their blobs, bytes and SHA-256", async () => {
    const run = await runCli(["participants", "find", ALICE, "--json", "--verbose"], settings());
    expect(run.code, run.stderr).toBe(0);
    const found = JSON.parse(run.stdout) as FoundJson;
    expect(found.participant).toBe(keyed(ALICE));
    expect(found).toMatchObject({ matched: true, totals: { chunks: 4, recordings: 2 } });
    for (const chunk of found.chunks) {
      expect(chunk.chunkCount).toBe(2);
      expect(chunk.files.map((file) => file.kind).sort()).toEqual(["media", "metadata"]);
      for (const file of chunk.files.filter((candidate) => candidate.kind === "media"))
        expect(file.sha256).toMatch(/^[0-9a-f]{64}$/);
    }
    expectNoRawId(run.stderr);
    expectNoRawId(run.stdout);
  });

  it("find reads the participantId from stdin with '-', and prints a table without --json", async () => {
    const run = await runCli(["participants", "find", "-"], settings(), `${CAROL}\n`);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(keyed(CAROL));
    expect(run.stdout).toMatch(/2 chunk\(s\) in 1 recording\(s\)/);
  });

  it("find normalises the id (a phone number in any spelling) and says plainly when nothing matched", async () => {
    const spelled = await runCli(["participants", "find", "4:+31 (6) 1234-5678", "--json"], settings());
    expect(spelled.code, spelled.stderr).toBe(0);
    expect(JSON.parse(spelled.stdout)).toMatchObject({
      participant: keyed(CAROL),
      matched: true,
      totals: { chunks: 2 },
    });
    const padded = await runCli(["participants", "find", "-", "--json"], settings(), `  ${ALICE}  \n`);
    expect(JSON.parse(padded.stdout)).toMatchObject({ totals: { chunks: 4 } });
    const nobody = await runCli(["participants", "find", "8:acs:nobody-at-all"], settings());
    expect(nobody.code, nobody.stderr).toBe(0);
    expect(nobody.stdout).toContain("No archived chunk lists this participant.");
  });

  it("export downloads and verifies every file against the recorded SHA-256, and a second run skips verified files", async () => {
    const out = join(setup.workDir, "export-alice");
    const first = await runCli(["participants", "export", ALICE, "--out", out], settings());
    expect(first.code, first.stderr).toBe(0);
    const report = JSON.parse(readFileSync(join(out, "export.json"), "utf8")) as {
      participant: string;
      files: { blob: string; path: string; status: string; verifiedAgainst?: string; sha256: string }[];
    };
    expect(report.participant).toBe(keyed(ALICE));
    // 2 recordings x (2 chunks x (media + metadata) + the manifest: every chunk it names lists Alice)
    expect(report.files).toHaveLength(10);
    expect(report.files.every((file) => file.status === "downloaded")).toBe(true);
    expect(
      report.files.filter((file) => file.blob.endsWith(".mp4")).every((file) => file.verifiedAgainst === "manifest"),
    ).toBe(true);
    const container = setup.blobs.getContainerClient(shared["RECORDINGS_CONTAINER"] as string);
    for (const file of report.files) {
      expect(
        readFileSync(join(out, file.path)).equals(await container.getBlobClient(file.blob).downloadToBuffer()),
      ).toBe(true);
    }
    expectNoRawId(readFileSync(join(out, "export.json"), "utf8"));

    // Damage one exported file: the resumed run downloads that one again and skips the rest.
    const damaged = report.files.find((file) => file.blob.endsWith(".mp4"));
    if (!damaged) throw new Error("no media exported");
    const bytes = readFileSync(join(out, damaged.path));
    bytes[10] = (bytes[10] ?? 0) ^ 0xff;
    writeFileSync(join(out, damaged.path), bytes);
    const second = await runCli(["participants", "export", ALICE, "--out", out], settings());
    expect(second.code, second.stderr).toBe(0);
    const again = JSON.parse(readFileSync(join(out, "export.json"), "utf8")) as typeof report;
    expect(again.files.filter((file) => file.status === "alreadyVerified")).toHaveLength(9);
    expect(again.files.find((file) => file.blob === damaged.blob)?.status).toBe("downloaded");
    expect(
      createHmac("sha256", "x")
        .update(readFileSync(join(out, damaged.path)))
        .digest("hex"),
    ).toBe(
      createHmac("sha256", "x")
        .update(await container.getBlobClient(damaged.blob).downloadToBuffer())
        .digest("hex"),
    );
  });

  it("export gives up on a download that stalls (idle timeout), reports it, exits 1, and a later run completes it", async () => {
    const blobEndpoint = /BlobEndpoint=([^;]+)/.exec(inject("azuriteConnectionString"))?.[1] ?? "";
    let stalled = 0;
    const proxy = await startStorageRefusalProxy(new URL(blobEndpoint).origin, () => undefined, {
      stall: (request) => request.method === "GET" && /\.mp4(\?|$)/.test(request.url ?? "") && stalled++ === 0,
    });
    const out = join(setup.workDir, "export-stall");
    try {
      const viaProxy = {
        ...settings(),
        RECORDINGS_STORAGE: `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${AZURITE_KEY};BlobEndpoint=${proxy.url}/devstoreaccount1;`,
      };
      const first = await runCli(["participants", "export", BOB, "--out", out, "--idle-timeout", "2"], viaProxy);
      expect(first.code, first.stderr).toBe(1);
      expect(first.stderr).toMatch(/Export of .*\.mp4 failed: TransferInterruptedError: .*no data for 2000 ms/);
      const report = JSON.parse(readFileSync(join(out, "export.json"), "utf8")) as { files: { status: string }[] };
      expect(report.files.filter((file) => file.status === "failed")).toHaveLength(1);
      expect(report.files.filter((file) => file.status === "downloaded").length).toBeGreaterThan(0);
    } finally {
      await proxy.close();
    }
    const second = await runCli(["participants", "export", BOB, "--out", out], settings());
    expect(second.code, second.stderr).toBe(0);
    const again = JSON.parse(readFileSync(join(out, "export.json"), "utf8")) as { files: { status: string }[] };
    expect(again.files.filter((file) => file.status === "downloaded")).toHaveLength(1);
    expect(again.files.every((file) => file.status !== "failed")).toBe(true);
  });

  it("erase: a chunk shared with another participant needs --include-shared; --yes erases the rest, tombstones each chunk and removes its records", async () => {
    const container = setup.blobs.getContainerClient(shared["RECORDINGS_CONTAINER"] as string);
    const before = await listBlobs(container, "calls/");
    // Carol's chunks (recording 2) list Alice too: the dry run names Alice by keyed-hash prefix and count, never raw.
    const dry = await runCli(["participants", "erase", CAROL], settings());
    expect(dry.code, dry.stderr).toBe(0);
    const plan = JSON.parse(dry.stdout) as {
      chunks: { outcome: string; otherParticipants?: { count: number; keyedHashPrefixes: string[] } }[];
    };
    expect(plan.chunks.map((chunk) => chunk.outcome)).toEqual(["wouldSkipShared", "wouldSkipShared"]);
    for (const chunk of plan.chunks)
      expect(chunk.otherParticipants).toEqual({ count: 1, keyedHashPrefixes: [keyed(ALICE).slice(0, 12)] });
    expect(dry.stderr).toMatch(
      /2 chunk\(s\) are shared with other participants and are erased only with --include-shared/,
    );
    expect(await listBlobs(container, "calls/")).toEqual(before);

    // --yes alone deletes nothing of a shared chunk: listed as skipped, the erasure is not complete (exit 1).
    const alone = await runCli(["participants", "erase", CAROL, "--yes"], settings());
    expect(alone.code, alone.stderr).toBe(1);
    const skipped = JSON.parse(alone.stdout) as { complete: boolean; receipt: string; chunks: { outcome: string }[] };
    expect(skipped.complete).toBe(false);
    expect(skipped.chunks.map((chunk) => chunk.outcome)).toEqual(["skippedShared", "skippedShared"]);
    expect(await listBlobs(container, "calls/")).toEqual(before);

    // --include-shared: the chunks go (Alice's copy of that recording too), with every participant's entries.
    const run = await runCli(["participants", "erase", CAROL, "--yes", "--include-shared"], settings());
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as {
      participant: string;
      receipt: string;
      complete: boolean;
      chunks: {
        folder: string;
        documentId: string;
        outcome: string;
        deleted: string[];
        tombstone: string;
        indexEntriesDeleted: number;
      }[];
      recordings: { folder: string; deleted: string[]; retained: unknown[] }[];
      residual: { notReached: string[]; softDelete: { note: string } };
    };
    expect(report.complete).toBe(true);
    const folder = report.chunks[0]?.folder ?? "";
    expect(report.chunks.map((chunk) => chunk.outcome)).toEqual(["erased", "erased"]);
    for (const chunk of report.chunks) {
      expect(chunk.deleted).toHaveLength(2); // media + metadata
      expect(chunk.indexEntriesDeleted).toBe(2); // Carol's and Alice's entries of that chunk
      expect(chunk.tombstone).toContain(`${container.containerName}/archive-erasures/`);
    }
    // The folder's manifest, intake's expected record and the deadline markers went with the last chunks.
    expect(report.recordings[0]?.deleted.some((name) => name.endsWith("/manifest.json"))).toBe(true);
    expect(
      report.recordings[0]?.deleted.some(
        (name) => name.startsWith("archive-catalog/") && name.endsWith("/expected.json"),
      ),
    ).toBe(true);
    expect(report.recordings[0]?.deleted.some((name) => name.startsWith("archive-deadlines/"))).toBe(true);
    expect(report.recordings[0]?.retained).toEqual([]);
    expect((await listBlobs(container, folder)).length).toBe(0);
    expect((await listBlobs(container, "calls/")).length).toBe(before.length - 5);
    expect(await listBlobs(container, folder.replace(/^calls\//, "archive-catalog/"))).toEqual([]);
    const tombstones = new ErasureTombstones(container);
    for (const chunk of report.chunks) expect(await tombstones.isErased(folder, chunk.documentId)).toBe(true);

    const alice = JSON.parse((await runCli(["participants", "find", ALICE, "--json"], settings())).stdout) as FoundJson;
    expect(alice.chunks.map((chunk) => chunk.folder)).not.toContain(folder);
    expect(alice.totals).toMatchObject({ chunks: 2, recordings: 1 });

    expect(report.receipt).toMatch(
      new RegExp(
        `^${container.containerName}/${OPERATIONAL_PREFIXES.erasures}\\d{4}-\\d{2}-\\d{2}/[^/]+/receipt\\.json$`,
      ),
    );
    const receiptName = report.receipt.slice(container.containerName.length + 1);
    const receipt = (await container.getBlobClient(receiptName).downloadToBuffer()).toString("utf8");
    expect(JSON.parse(receipt)).toMatchObject({
      kind: "participantErasure",
      participant: keyed(CAROL),
      dryRun: false,
      includeShared: true,
      complete: true,
    });
    expect(receipt).toMatch(/"identity": ".+ via a connection string \(account devstoreaccount1\)"/);
    // The steps written as it went: started, one per chunk, the recording's records, then the summary.
    const steps = await listBlobs(container, receiptName.replace(/receipt\.json$/, ""));
    expect(steps.map((name) => name.split("/").pop())).toEqual([
      "000000-started.json",
      "000001-chunk.json",
      "000002-chunk.json",
      "000003-recordingRecords.json",
      "receipt.json",
    ]);
    expect(report.residual.notReached.join(" ")).toMatch(/subscribers/);
    expectNoRawId(receipt);
    expectNoRawId(run.stderr + run.stdout + dry.stdout + dry.stderr);
  });
});

describe("erase under an immutability policy (Azurite has none: a real HTTP hop in front of it answers as Storage does)", () => {
  it("reports each refused blob with Storage's reason, keeps the index entries, writes a receipt, and exits 1", async () => {
    const shared = settingsFor();
    await archiveRecordings(shared, [[ALICE]], capturingLog());
    const blobEndpoint = /BlobEndpoint=([^;]+)/.exec(inject("azuriteConnectionString"))?.[1] ?? "";
    const proxy = await startStorageRefusalProxy(new URL(blobEndpoint).origin, (request) =>
      request.method === "DELETE" && /\.mp4(\?|$)/.test(request.url ?? "")
        ? {
            status: 409,
            code: "BlobImmutableDueToPolicy",
            message: "This operation is not permitted as the blob is immutable due to a policy.",
          }
        : undefined,
    );
    try {
      const viaProxy = {
        ...shared,
        RECORDINGS_STORAGE: `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${AZURITE_KEY};BlobEndpoint=${proxy.url}/devstoreaccount1;`,
      };
      const run = await runCli(["participants", "erase", ALICE, "--yes"], viaProxy);
      expect(run.code, run.stderr).toBe(1);
      const report = JSON.parse(run.stdout) as {
        complete: boolean;
        receipt: string;
        chunks: {
          outcome: string;
          deleted: string[];
          refused: { blob: string; kind: string; code?: string; status?: number; reason: string }[];
          indexEntriesDeleted: number;
        }[];
      };
      expect(report.complete).toBe(false);
      expect(report.chunks.map((chunk) => chunk.outcome)).toEqual(["partlyErased", "partlyErased"]);
      for (const chunk of report.chunks) {
        const [media, kept] = chunk.refused;
        expect(media).toMatchObject({ kind: "immutable", status: 409, code: "BlobImmutableDueToPolicy" });
        expect(media?.blob).toMatch(/\.mp4$/);
        expect(media?.reason).toMatch(/immutability policy or legal hold/);
        // The metadata document stays as the evidence a later run needs; the chunk stays indexed.
        expect(kept).toMatchObject({ kind: "retained" });
        expect(kept?.blob).toMatch(/\.metadata\.json$/);
        expect(chunk.deleted).toEqual([]);
        expect(chunk.indexEntriesDeleted).toBe(0);
      }
      expect(proxy.refused.length).toBeGreaterThanOrEqual(2);
      expect(run.stderr).toMatch(
        /Not erased: .*\.mp4: Storage keeps it under an immutability policy or legal hold \(BlobImmutableDueToPolicy\)/,
      );
      expect(run.stderr).toMatch(
        /4 blob\(s\) or version\(s\) NOT erased \(2 under an immutability policy or legal hold\)/,
      );
      const found = JSON.parse((await runCli(["participants", "find", ALICE, "--json"], shared)).stdout) as FoundJson;
      expect(found.totals).toMatchObject({ chunks: 2, recordings: 1 });
      expect(found.chunks[0]?.files.map((file) => file.kind).sort()).toEqual(["media", "metadata"]);
      expect(report.receipt).toContain(OPERATIONAL_PREFIXES.erasures);
      expectNoRawId(run.stdout + run.stderr);
    } finally {
      await proxy.close();
    }
  });
});

describe("manifest.json is optional input (written by the catalogue step once a recording is complete)", () => {
  it("when present, its SHA-256s are what export verifies against, and a recording with one counts as complete", async () => {
    const shared = settingsFor();
    await archiveRecordings(shared, [[CAROL]], capturingLog());
    const recordings = setup.blobs.getContainerClient(shared["RECORDINGS_CONTAINER"] as string);
    const index = new ParticipantIndex(
      setup.blobs.getContainerClient(PARTICIPANT_INDEX_CONTAINER),
      INDEX_KEY,
      recordings.containerName,
    );
    const names = await listBlobs(recordings, "calls/");
    const folder = (names[0] ?? "").replace(/[^/]+$/, "");
    const media = names.filter((name) => name.endsWith(".mp4"));
    const sha = async (name: string): Promise<string> =>
      createHash("sha256")
        .update(await recordings.getBlobClient(name).downloadToBuffer())
        .digest("hex");
    // The shape the catalogue step (the recording manifest) writes: ids, chunks[] with media and metadata, participantIds.
    const manifest = async (wrong: boolean): Promise<string> =>
      JSON.stringify({
        callId: "c",
        chunks: await Promise.all(
          media.map(async (name, position) => ({
            index: position,
            documentId: (await recordings.getBlobClient(name).getProperties()).metadata?.["documentid"],
            media: {
              blob: `${recordings.containerName}/${name}`,
              bytes: 1,
              sha256: wrong && position === 0 ? "0".repeat(64) : await sha(name),
              contentType: "video/mp4",
            },
            metadata: { blob: name.replace(/\.mp4$/, ".metadata.json"), bytes: 1 },
          })),
        ),
        participantIds: [],
      });
    await recordings
      .getBlockBlobClient(`${folder}manifest.json`)
      .upload(await manifest(false), Buffer.byteLength(await manifest(false)));
    const found = await findParticipant(index, recordings, CAROL);
    expect(found.totals).toMatchObject({ chunks: 2, recordings: 1 });
    const out = join(setup.workDir, "export-manifest");
    const report = await exportParticipant(CAROL, {
      index,
      recordings,
      directory: out,
      idleTimeoutMs: 30_000,
      log: capturingLog(),
    });
    expect(report.files.find((file) => file.blob.endsWith("manifest.json"))?.status).toBe("downloaded");
    expect(report.files.filter((file) => file.blob.endsWith(".mp4")).map((file) => file.verifiedAgainst)).toEqual([
      "manifest",
      "manifest",
    ]);

    // A manifest that disagrees with the bytes: the file fails verification (so the manifest is really used).
    await recordings
      .getBlockBlobClient(`${folder}manifest.json`)
      .upload(await manifest(true), Buffer.byteLength(await manifest(true)));
    const wrong = await exportParticipant(CAROL, {
      index,
      recordings,
      directory: join(setup.workDir, "export-manifest-wrong"),
      idleTimeoutMs: 30_000,
      log: capturingLog(),
    });
    expect(wrong.totals.failed).toBe(1);
    expect(wrong.files.find((file) => file.status === "failed")?.reason).toMatch(/differs from the manifest's 0{64}/);
  });
});

describe("participants reindex (archives made before the index)", () => {
  it("builds the index from archived metadata, resumably from a checkpoint, with progress", async () => {
    const base = settingsFor();
    const { PARTICIPANT_INDEX_KEY: _unused, ...withoutKey } = base;
    await archiveRecordings(withoutKey, [[ALICE], [BOB], [ALICE, BOB]], capturingLog());
    const recordings: ContainerClient = setup.blobs.getContainerClient(base["RECORDINGS_CONTAINER"] as string);
    const index = new ParticipantIndex(
      setup.blobs.getContainerClient(PARTICIPANT_INDEX_CONTAINER),
      INDEX_KEY,
      recordings.containerName,
    );
    expect((await index.entriesPage(keyed(ALICE), { pageSize: 10 })).entries).toEqual([]);

    // An interrupted run: one page of 3 setup.blobs, then stop. The checkpoint is there.
    const log = capturingLog();
    const progress: number[] = [];
    const partial = await reindexParticipants({
      index,
      recordings,
      log,
      pageSize: 3,
      maxPages: 1,
      onProgress: (state) => progress.push(state.scannedBlobs),
    });
    expect(partial.scannedBlobs).toBe(3);
    expect(await index.container.getBlobClient(checkpointName(recordings.containerName)).exists()).toBe(true);

    // The CLI resumes from it and finishes.
    const run = await runCli(["participants", "reindex", "--verbose"], base);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as {
      resumed: boolean;
      scannedBlobs: number;
      metadataDocuments: number;
      entries: number;
    };
    expect(report.resumed).toBe(true);
    expect(report.scannedBlobs).toBe(15); // 3 recordings x (2 chunks x (media + metadata) + manifest)
    expect(report.metadataDocuments).toBe(6);
    expect(await index.container.getBlobClient(checkpointName(recordings.containerName)).exists()).toBe(false);
    expect(progress).toEqual([3]);

    const alice = JSON.parse((await runCli(["participants", "find", ALICE, "--json"], base)).stdout) as FoundJson;
    expect(alice.totals).toMatchObject({ chunks: 4, recordings: 2 });
    const bob = JSON.parse((await runCli(["participants", "find", BOB, "--json"], base)).stdout) as FoundJson;
    expect(bob.totals).toMatchObject({ chunks: 4, recordings: 2 });
    expectNoRawId(run.stderr + log.lines.join("\n"));
  });

  it("refuses to run without PARTICIPANT_INDEX_KEY, naming the setting (exit 2)", async () => {
    const { PARTICIPANT_INDEX_KEY: _unused, ...withoutKey } = settingsFor();
    const run = await runCli(["participants", "find", ALICE], withoutKey);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/PARTICIPANT_INDEX_KEY is required/);
    expectNoRawId(run.stderr);
  });
});
