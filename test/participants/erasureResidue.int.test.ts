// Integration tier. Needs: Azurite, the ACS simulator, dist/, loopback servers.
import { randomBytes } from "node:crypto";
import { describe, expect, inject, it } from "vitest";
import { OPERATIONAL_PREFIXES } from "../../src/layout/blobLayout";
import { FailureRecords } from "../../src/archive/failureRecords";
import { chunkOutcome, writeChunkOutcome } from "../../src/catalog/chunkOutcomes";
import { parseConfig } from "../../src/config/appConfig";
import { parseChunkMessage } from "../../src/queue/chunkMessageParser";
import { ErasureTombstones } from "../../src/catalog/erasureTombstones";
import { PARTICIPANT_INDEX_CONTAINER } from "../../src/participants/indexLayout";
import type { Log } from "../../src/shared/log";
import { listBlobs } from "../support/archiveHarness";
import { runCompiledCli, spawnCompiledCli, type CliRun } from "../support/compiledCli";
import { startHostileStorage } from "../support/hostileStorage";
import { archiveRecordings } from "../support/participantArchive";
import { eventually } from "../support/polling";
import { useSimAndAzurite } from "../support/simAndAzurite";
import { uniqueName, simSettings } from "../support/testSettings";
import { startVersionedStorage } from "../support/versionedStorage";

const ALICE = "8:acs:66666666-ffff-4fff-8fff-000000000006_00000006-alice";

const quiet: Log = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const setup = useSimAndAzurite({ workDirPrefix: "erasure-residue-", compiledCli: true });
const azurite = (): string => inject("azuriteConnectionString");

function settingsFor(): Record<string, string> {
  return simSettings(setup.sim, {
    AzureWebJobsStorage: azurite(),
    RECORDINGS_CONTAINER: uniqueName("residue"),
    CHUNK_QUEUE: uniqueName("residue-chunks"),
    PARTICIPANT_INDEX_KEY: randomBytes(32).toString("base64"),
  });
}

const through = (settings: Record<string, string>, connectionString: string): Record<string, string> => ({
  ...settings,
  RECORDINGS_STORAGE: connectionString,
});

function cli(args: readonly string[], settings: Record<string, string>): Promise<CliRun> {
  return runCompiledCli(args, { env: settings, cwd: setup.workDir });
}

interface Receipt {
  complete: boolean;
  receipt: string;
  chunks: {
    folder: string;
    outcome: string;
    versionsDeleted: number;
    refused: { blob: string; versionId?: string; kind: string; reason: string }[];
  }[];
  residual: {
    softDelete: { days?: number; until?: string; note: string };
    previousVersions: { notDeleted: number; lifecycleDays: number; until?: string; note: string };
  };
  totals: { versionsDeleted: number };
}

describe("erasure on a versioned account (a stand-in answers List Blobs include=versions and Delete Blob versionid= as Blob Storage documents them)", () => {
  it("deletes every previous version by its version id — the chunk's, the manifest's and the index entries' — and states the soft-delete window", async () => {
    const settings = settingsFor();
    await archiveRecordings(setup.sim, azurite(), settings, [[ALICE]], quiet);
    const container = settings["RECORDINGS_CONTAINER"] as string;
    const names = await listBlobs(setup.blobs.getContainerClient(container), "calls/");
    const media = names.filter((name) => name.endsWith(".mp4"));
    const stand = await startVersionedStorage(azurite(), { softDeleteDays: 14 });
    try {
      // An older version of one media blob (it was overwritten once), which Delete Blob alone never removes.
      const older = stand.addPreviousVersion(container, media[0] as string, Buffer.from("an older version"));
      const run = await cli(["participants", "erase", ALICE, "--yes"], through(settings, stand.connectionString));
      expect(run.code, run.stderr).toBe(0);
      const report = JSON.parse(run.stdout) as Receipt;
      expect(report.complete).toBe(true);
      expect(report.chunks.map((chunk) => chunk.outcome)).toEqual(["erased", "erased"]);
      // Per chunk: the media and metadata current versions became previous versions and were deleted, plus the older one.
      expect(report.chunks.reduce((sum, chunk) => sum + chunk.versionsDeleted, 0)).toBe(5);
      expect(stand.versions(container)).toEqual([]);
      expect(stand.versions(PARTICIPANT_INDEX_CONTAINER)).toEqual([]); // the entries' versions went too
      expect(
        stand.requests.some(
          (request) => request.method === "DELETE" && request.url.includes(`versionid=${encodeURIComponent(older)}`),
        ),
      ).toBe(true);
      expect(report.residual.softDelete).toMatchObject({ days: 14 });
      expect(report.residual.softDelete.note).toMatch(/recoverable .* for 14 days, until about .* cannot purge/);
      expect(report.residual.previousVersions).toMatchObject({ notDeleted: 0, lifecycleDays: 7 });
    } finally {
      await stand.close();
    }
  });

  it("reports versions Storage refuses (no deleteBlobVersion right, a legal hold) per blob, is not complete, and states when the lifecycle rule removes them; a later run with rights finishes", async () => {
    const settings = settingsFor();
    await archiveRecordings(setup.sim, azurite(), settings, [[ALICE]], quiet);
    const container = settings["RECORDINGS_CONTAINER"] as string;
    const names = await listBlobs(setup.blobs.getContainerClient(container), "calls/");
    const [firstMedia] = names.filter((name) => name.endsWith(".mp4"));
    const secondMetadata = names.filter((name) => name.endsWith(".metadata.json"))[1] as string;
    let refusing = true;
    const stand = await startVersionedStorage(azurite(), {
      refuseVersionDelete: (version) =>
        !refusing
          ? undefined
          : version.name === firstMedia
            ? {
                status: 403,
                code: "AuthorizationPermissionMismatch",
                message: "This request is not authorized to perform this operation using this permission.",
              }
            : version.name === secondMetadata && version.body.toString().includes("held")
              ? {
                  status: 409,
                  code: "BlobImmutableDueToLegalHold",
                  message: "This operation is not permitted as the blob is immutable due to a legal hold.",
                }
              : undefined,
    });
    try {
      // An older version of a metadata document under a legal hold.
      stand.addPreviousVersion(
        container,
        secondMetadata,
        Buffer.from(JSON.stringify({ participants: [{ participantId: ALICE }], note: "held" })),
        "application/json",
      );
      const run = await cli(
        ["participants", "erase", ALICE, "--yes", "--version-lifecycle-days", "30"],
        through(settings, stand.connectionString),
      );
      expect(run.code, run.stderr).toBe(1);
      const report = JSON.parse(run.stdout) as Receipt;
      expect(report.complete).toBe(false);
      const refusals = report.chunks.flatMap((chunk) => chunk.refused);
      expect(refusals).toContainEqual(
        expect.objectContaining({
          blob: firstMedia,
          kind: "permission",
          reason: expect.stringMatching(/deleteBlobVersion permission \(Storage Blob Data Owner/) as unknown,
        }),
      );
      expect(refusals).toContainEqual(expect.objectContaining({ blob: secondMetadata, kind: "legalHold" }));
      expect(refusals.every((refusal) => refusal.kind === "retained" || refusal.versionId !== undefined)).toBe(true);
      expect(report.residual.previousVersions).toMatchObject({ lifecycleDays: 30 });
      expect(report.residual.previousVersions.notDeleted).toBeGreaterThanOrEqual(2);
      expect(report.residual.previousVersions.note).toMatch(
        /lifecycle rule deletes a previous version once it is 30 days old \(counted from its creation/,
      );
      expect(run.stderr).toMatch(/Complete: no/);

      // With the right (and the hold lifted) the same command finishes: the evidence is the metadata's own last version.
      refusing = false;
      const again = await cli(["participants", "erase", ALICE, "--yes"], through(settings, stand.connectionString));
      expect(again.code, again.stderr).toBe(0);
      expect((JSON.parse(again.stdout) as Receipt).complete).toBe(true);
      expect(stand.versions(container)).toEqual([]);
    } finally {
      await stand.close();
    }
  });
});

describe("the records that concern an erased chunk", () => {
  it("removes its failure record and failure outcome, intake's queued record, and intake's expected record and deadline marker once every chunk is erased", async () => {
    const settings = settingsFor();
    const container = setup.blobs.getContainerClient(settings["RECORDINGS_CONTAINER"] as string);
    // An earlier failure of the chunk (say a 503 before it was archived on a later delivery), as the archive job records it.
    await archiveRecordings(setup.sim, azurite(), settings, [[ALICE]], quiet, 1, async (message) => {
      const parsed = parseChunkMessage(message, parseConfig(settings).downloadHosts);
      const error = new Error("ACS answered 503");
      const failureRecord = await new FailureRecords(container).record({ outcome: "failed", error, message: parsed });
      await writeChunkOutcome(
        container,
        parsed,
        chunkOutcome(parsed, "failed", error, new Date().toISOString(), failureRecord),
      );
    });
    const before = await listBlobs(container);
    for (const prefix of ["archive-failures/", "archive-catalog/", "archive-deadlines/"])
      expect(
        before.some((name) => name.startsWith(prefix)),
        prefix,
      ).toBe(true);
    expect(before.filter((name) => /^archive-catalog\/.+\/queued\/\d+-.+-[0-9a-f]{16}\.json$/.test(name))).toHaveLength(
      1,
    );
    const run = await cli(["participants", "erase", ALICE, "--yes"], settings);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as { recordings: { deleted: string[]; retained: unknown[] }[] };
    const deleted = report.recordings[0]?.deleted ?? [];
    expect(deleted.filter((name) => name.includes("/queued/"))).toHaveLength(1);
    for (const prefix of ["archive-failures/", "archive-catalog/", "archive-deadlines/"])
      expect(
        deleted.some((name) => name.startsWith(prefix)),
        prefix,
      ).toBe(true);
    expect(deleted.some((name) => name.includes("/outcomes/"))).toBe(true);
    const after = await listBlobs(container);
    expect(
      after.filter((name) => !name.startsWith("archive-erasures/") && !name.startsWith("participant-erasures/")),
    ).toEqual([]);
  });
});

describe("the records that concern another chunk", () => {
  it("are never deleted because an erased chunk's outcome record names them (outcome records are data, not paths)", async () => {
    const settings = settingsFor();
    const container = setup.blobs.getContainerClient(settings["RECORDINGS_CONTAINER"] as string);
    const bob = "8:acs:66666666-ffff-4fff-8fff-000000000007_00000007-bob";
    // Bob's recording failed once: its failure record is what an operator replays.
    let bobsRecord = "";
    await archiveRecordings(setup.sim, azurite(), settings, [[bob]], quiet, 1, async (message) => {
      const parsed = parseChunkMessage(message, parseConfig(settings).downloadHosts);
      bobsRecord = await new FailureRecords(container).record({
        outcome: "failed",
        error: new Error("ACS answered 503"),
        message: parsed,
      });
    });
    // Alice's chunk carries an outcome record that names Bob's failure record (written by a compromised app identity).
    await archiveRecordings(setup.sim, azurite(), settings, [[ALICE]], quiet, 1, async (message) => {
      const parsed = parseChunkMessage(message, parseConfig(settings).downloadHosts);
      await writeChunkOutcome(
        container,
        parsed,
        chunkOutcome(parsed, "failed", new Error("ACS answered 503"), new Date().toISOString(), bobsRecord),
      );
    });
    const bobsBlob = bobsRecord.slice(container.containerName.length + 1);
    expect(await container.getBlobClient(bobsBlob).exists()).toBe(true);
    const run = await cli(["participants", "erase", ALICE, "--yes"], settings);
    expect(run.code, run.stderr).toBe(0);
    expect(
      (JSON.parse(run.stdout) as { recordings: { deleted: string[] }[] }).recordings.flatMap(
        (recording) => recording.deleted,
      ),
    ).not.toContain(bobsBlob);
    expect(await container.getBlobClient(bobsBlob).exists()).toBe(true);
  });
});

describe("a receipt written as the erasure proceeds", () => {
  it("after a crash mid-erase the receipt holds what was done so far (and no summary); the next run finishes and says so", async () => {
    const settings = settingsFor();
    await archiveRecordings(setup.sim, azurite(), settings, [[ALICE], [ALICE]], quiet);
    const container = setup.blobs.getContainerClient(settings["RECORDINGS_CONTAINER"] as string);
    const folders = [
      ...new Set((await listBlobs(container, "calls/")).map((name) => name.slice(0, name.lastIndexOf("/") + 1))),
    ].sort();
    expect(folders).toHaveLength(2);
    const [first, second] = folders as [string, string];
    // Deletes in the second recording never get an answer: the erasure is stopped (killed) there.
    const hostile = await startHostileStorage(azurite(), (request) =>
      request.method === "DELETE" && decodeURIComponent(request.url ?? "").includes(`/${second}`) ? "hang" : undefined,
    );
    try {
      const child = spawnCompiledCli(["participants", "erase", ALICE, "--yes"], {
        env: through(settings, hostile.connectionString),
        cwd: setup.workDir,
      });
      const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
      await eventually(
        () =>
          hostile.requests.some(
            (request) => request.method === "DELETE" && decodeURIComponent(request.url).includes(`/${second}`),
          )
            ? true
            : undefined,
        "a delete in the second recording",
        { timeoutMs: 60_000 },
      );
      child.kill("SIGKILL");
      await exited;
    } finally {
      await hostile.close();
    }
    const receipts = await listBlobs(container, OPERATIONAL_PREFIXES.erasures);
    const steps = receipts.map((name) => name.split("/").pop());
    expect(steps).toEqual([
      "000000-started.json",
      "000001-chunk.json",
      "000002-chunk.json",
      "000003-recordingRecords.json",
    ]);
    expect(receipts.some((name) => name.endsWith("/receipt.json"))).toBe(false);
    const firstSteps = await Promise.all(
      receipts.slice(1, 3).map(
        async (name) =>
          JSON.parse((await container.getBlobClient(name).downloadToBuffer()).toString("utf8")) as {
            folder: string;
            outcome: string;
          },
      ),
    );
    expect(firstSteps.map((step) => [step.folder, step.outcome])).toEqual([
      [first, "erased"],
      [first, "erased"],
    ]);
    expect(await listBlobs(container, first)).toEqual([]);
    // The interrupted recording's chunks are tombstoned already (before any delete), so nothing brings them back.
    const tombstones = await new ErasureTombstones(container).erasedIn(second);
    expect(tombstones.size).toBeGreaterThanOrEqual(1);

    const again = await cli(["participants", "erase", ALICE, "--yes"], settings);
    expect(again.code, again.stderr).toBe(0);
    const report = JSON.parse(again.stdout) as Receipt;
    expect(report.complete).toBe(true);
    expect(report.chunks.map((chunk) => chunk.folder)).toEqual([second, second]);
    expect(await listBlobs(container, "calls/")).toEqual([]);
    expect(again.stdout + again.stderr).not.toContain(ALICE);
  }, 180_000);
});
