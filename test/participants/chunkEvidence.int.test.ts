// Integration tier. Needs: Azurite, the ACS simulator, dist/, loopback servers.
import { createHmac, randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { HttpRequest } from "@azure/functions";
import { request as httpRequest } from "node:http";
import {
  BlobSASPermissions,
  generateBlobSASQueryParameters,
  StorageSharedKeyCredential,
  type ContainerClient,
} from "@azure/storage-blob";
import { QueueClient } from "@azure/storage-queue";
import { describe, expect, inject, it } from "vitest";
import { ErasureTombstones } from "../../src/catalog/erasureTombstones";
import { PARTICIPANT_INDEX_CONTAINER } from "../../src/participants/indexLayout";
import { ParticipantIndex } from "../../src/participants/participantIndex";
import { reindexParticipants } from "../../src/participants/participantReindex";
import { AZURITE_KEY } from "../../tools/azurite";
import { listBlobs } from "../support/archiveHarness";
import { findFunction, loadCompiledApp, type RegisteredFunction } from "../support/compiledApp";
import { runCompiledCli, type CliRun } from "../support/compiledCli";
import { invokeHttp, webhookRequest } from "../support/functionInvoke";
import { decodeAsQueueTrigger, drainQueue } from "../support/storageProbe";
import { capturingContext, uniqueName, simSettings } from "../support/testSettings";
import { useSimAndAzurite } from "../support/simAndAzurite";

const VICTIM = "8:acs:44444444-dddd-4ddd-8ddd-000000000004_00000004-victim";
const ATTACKER = "8:acs:55555555-eeee-4eee-8eee-000000000005_00000005-attacker";
const RAW_IDS = [VICTIM, ATTACKER];

const setup = useSimAndAzurite({ workDirPrefix: "chunk-evidence-", compiledCli: true });

const strongKey = (): string => randomBytes(32).toString("base64");

function settingsFor(key: string): Record<string, string> {
  return simSettings(setup.sim, {
    RECORDINGS_CONTAINER: uniqueName("evidence"),
    CHUNK_QUEUE: uniqueName("evidence-chunks"),
    PARTICIPANT_INDEX_KEY: key,
  });
}

function cli(args: readonly string[], settings: Record<string, string>, stdin = ""): Promise<CliRun> {
  return runCompiledCli(args, { env: settings, cwd: setup.workDir, stdin });
}

function expectNoRawId(text: string): void {
  for (const id of RAW_IDS) expect(text).not.toContain(id);
}

/** The app as the host runs it: webhook delivery, then each queued message through the queue function. */
class App {
  readonly functions: RegisteredFunction[];
  readonly queue: QueueClient;
  readonly container: ContainerClient;

  constructor(readonly settings: Record<string, string>) {
    this.functions = loadCompiledApp(settings);
    this.queue = new QueueClient(inject("azuriteConnectionString"), settings["CHUNK_QUEUE"] as string);
    this.container = setup.blobs.getContainerClient(settings["RECORDINGS_CONTAINER"] as string);
  }

  /** Delivers events to the webhook, then archives every message it queued; returns the archive job's log lines. */
  async deliverAndArchive(events: readonly object[]): Promise<string[]> {
    const { context, logs } = capturingContext("recordingEventsWebhook");
    const answer = await invokeHttp(
      findFunction(this.functions, "recordingEventsWebhook"),
      webhookRequest({
        body: JSON.stringify(events),
        headers: { "content-type": "application/json", "aeg-event-type": "Notification" },
      }),
      context,
    );
    expect(answer.status, answer.text).toBe(200);
    const lines = logs.map((line) => line.message);
    for (const text of await drainQueue(this.queue)) {
      const archive = capturingContext("archiveChunk");
      await findFunction(this.functions, "archiveChunk").handler(decodeAsQueueTrigger(text), archive.context);
      lines.push(...archive.logs.map((line) => line.message));
    }
    return lines;
  }

  async search(participantId: string): Promise<{ status: number; json: unknown; text: string }> {
    const request = new HttpRequest({
      method: "POST",
      url: "http://localhost:7071/api/archive/participants/search",
      headers: { "content-type": "application/json" },
      body: { bytes: Buffer.from(JSON.stringify({ participantId })) },
    });
    const answer = await invokeHttp(
      findFunction(this.functions, "getParticipantRecordings"),
      request,
      capturingContext("getParticipantRecordings").context,
    );
    return { status: answer.status, json: answer.json, text: answer.text };
  }
}

/** A simulator document listing `participants` as its metadata. */
function document(participants: readonly string[] | string, size = 120_000): { documentId: string; size: number } {
  const documentId = `0-eus-d9-${randomBytes(12).toString("hex")}`;
  setup.sim.addDocument(documentId, {
    size,
    metadata:
      typeof participants === "string"
        ? participants
        : { chunkDocumentId: documentId, participants: participants.map((participantId) => ({ participantId })) },
  });
  return { documentId, size };
}

interface FindJson {
  participant: string;
  matched: boolean;
  message: string;
  chunks: { folder: string; chunk: string; documentId: string; files: { name: string }[] }[];
  skipped: { reason: string }[];
  legacyFolders: string[];
  flagged: { chunks: { folder: string; stem: string }[] };
}

describe("a forged chunk that joins another recording's folder (webhook → queue → archiveChunk → CLI)", () => {
  it("is only the forger's own evidence: find, the API, export and erase reach the forger's chunk and never the victim's", async () => {
    const key = strongKey();
    const app = new App(settingsFor(key));
    const recording = {
      callId: `call-${randomBytes(4).toString("hex")}`,
      recordingId: `rec-${randomBytes(4).toString("hex")}`,
      recordingStartTime: "2026-12-01T10:00:00.000Z",
    };
    const victimChunk = document([VICTIM], 150_000);
    await app.deliverAndArchive([setup.sim.recordingEvent({ ...recording, chunks: [victimChunk] })]);
    // The forger's own recording document, announced with the victim's call id, recording id and start time.
    const forgedChunk = { ...document([ATTACKER], 90_000), index: 1 };
    const archiveLines = await app.deliverAndArchive([
      setup.sim.recordingEvent({ ...recording, chunks: [forgedChunk] }),
    ]);
    const names = await listBlobs(app.container, "calls/");
    const folders = new Set(names.map((name) => name.slice(0, name.lastIndexOf("/") + 1)));
    expect(folders.size).toBe(1); // the forged chunk did land in the victim's folder
    const victimMedia = names.find((name) => name.includes(victimChunk.documentId) && name.endsWith(".mp4")) as string;
    const manifest = names.find((name) => name.endsWith("/manifest.json"));
    expect(manifest).toBeDefined();

    // find: the forger's chunk only; the victim's chunk is not theirs.
    const found = await cli(["participants", "find", ATTACKER, "--json"], app.settings);
    expect(found.code, found.stderr).toBe(0);
    const attackerView = JSON.parse(found.stdout) as FindJson;
    expect(attackerView.chunks.map((chunk) => chunk.documentId)).toEqual([forgedChunk.documentId]);
    expect(found.stdout).not.toContain(victimChunk.documentId);

    // The API (POST, id in the body) answers the same, without the keyed hash.
    const api = await app.search(ATTACKER);
    expect(api.status, api.text).toBe(200);
    expect((api.json as { chunks: { documentId: string }[] }).chunks.map((chunk) => chunk.documentId)).toEqual([
      forgedChunk.documentId,
    ]);
    expect(api.text).not.toContain(victimChunk.documentId);
    expect(api.text).not.toContain(createHmac("sha256", key).update(ATTACKER).digest("hex"));

    // export: the forger's media and metadata; not the victim's, and not the folder's manifest (it names the victim's chunk).
    const out = join(setup.workDir, "forger-export");
    const exported = await cli(["participants", "export", ATTACKER, "--out", out], app.settings);
    expect(exported.code, exported.stderr).toBe(0);
    const report = JSON.parse(readFileSync(join(out, "export.json"), "utf8")) as {
      files: { blob: string }[];
      withheld: { blob: string; reason: string }[];
    };
    expect(report.files.map((file) => file.blob).sort()).toEqual(
      names.filter((name) => name.includes(forgedChunk.documentId)).sort(),
    );
    expect(report.withheld).toEqual([expect.objectContaining({ blob: manifest })]);
    const everything = JSON.stringify(report) + readdirSync(out, { recursive: true }).join("\n");
    expect(everything).not.toContain(victimChunk.documentId);
    expectNoRawId(readFileSync(join(out, "export.json"), "utf8"));

    // erase: the forger's chunk goes; the victim's chunk, its manifest and the victim's own index stay.
    const erased = await cli(["participants", "erase", ATTACKER, "--yes"], app.settings);
    expect(erased.code, erased.stderr).toBe(0);
    const receipt = JSON.parse(erased.stdout) as {
      complete: boolean;
      chunks: { documentId: string; outcome: string }[];
      recordings: { retained: { blob: string }[] }[];
    };
    expect(receipt.complete).toBe(true);
    expect(receipt.chunks.map((chunk) => [chunk.documentId, chunk.outcome])).toEqual([
      [forgedChunk.documentId, "erased"],
    ]);
    // Intake's expected record covers the victim's chunk: retained, with the reason.
    expect(receipt.recordings[0]?.retained.some((record) => record.blob.endsWith("/expected.json"))).toBe(true);
    const after = await listBlobs(app.container, "calls/");
    expect(after).toContain(victimMedia);
    expect(after).toContain(manifest);
    expect(after.some((name) => name.includes(forgedChunk.documentId))).toBe(false);
    expect(await new ErasureTombstones(app.container).isErased([...folders][0] as string, victimChunk.documentId)).toBe(
      false,
    );
    const victim = JSON.parse((await cli(["participants", "find", VICTIM, "--json"], app.settings)).stdout) as FindJson;
    expect(victim.chunks.map((chunk) => chunk.documentId)).toEqual([victimChunk.documentId]);
    expectNoRawId(found.stderr + exported.stderr + erased.stdout + erased.stderr + archiveLines.join("\n"));
  });
});

describe("PARTICIPANT_INDEX_KEY that the index was not built with", () => {
  it("find, export and erase refuse (exit 2, naming the key) instead of reporting nothing; the API answers 409", async () => {
    const settings = settingsFor(strongKey());
    const app = new App(settings);
    await app.deliverAndArchive([setup.sim.recordingEvent({ chunks: [document([VICTIM])] })]);
    const before = await listBlobs(app.container);
    const rotated = { ...settings, PARTICIPANT_INDEX_KEY: strongKey() };
    for (const args of [
      ["participants", "find", VICTIM, "--json"],
      ["participants", "export", VICTIM, "--out", join(setup.workDir, "wrong-key")],
      ["participants", "erase", VICTIM, "--yes"],
    ]) {
      const run = await cli(args, rotated);
      expect(run.code, `${args[1] ?? ""}: ${run.stderr}`).toBe(2);
      expect(run.stderr).toMatch(
        /PARTICIPANT_INDEX_KEY is not the key the participant index of container .+ was built with/,
      );
      expect(run.stderr).toMatch(/participants reindex --rotate-key/);
      expect(run.stdout).not.toMatch(/"complete"/);
    }
    expect(await listBlobs(app.container)).toEqual(before); // nothing deleted, no receipt
    const api = await new App(rotated).search(VICTIM);
    expect(api.status).toBe(409);
    expect(api.json).toMatchObject({ error: { code: "ParticipantIndexKeyMismatch" } });

    // reindex under the new key refuses too, unless the rotation is explicit; then find works under the new key.
    expect((await cli(["participants", "reindex"], rotated)).code).toBe(2);
    const rotation = await cli(["participants", "reindex", "--rotate-key"], rotated);
    expect(rotation.code, rotation.stderr).toBe(0);
    expect(JSON.parse(rotation.stdout)).toMatchObject({ rotated: true, metadataDocuments: 1, prunedEntries: 1 });
    const found = JSON.parse((await cli(["participants", "find", VICTIM, "--json"], rotated)).stdout) as FindJson;
    expect(found.chunks).toHaveLength(1);
    expect((await cli(["participants", "find", VICTIM], settings)).code).toBe(2); // the old key is now the wrong one
  });

  it("a chunk archived while the key is being rotated is not lost: reindex --rotate-key indexes it under the new key, find and erase reach it", async () => {
    const settings = settingsFor(strongKey());
    await new App(settings).deliverAndArchive([
      setup.sim.recordingEvent({ callId: uniqueName("m-call"), chunks: [document([VICTIM])] }),
    ]);
    // The rotation: the app gets the new key, and reindex --rotate-key runs; it is part way through the archive ...
    const rotated = { ...settings, PARTICIPANT_INDEX_KEY: strongKey() };
    const container = setup.blobs.getContainerClient(settings["RECORDINGS_CONTAINER"] as string);
    const index = new ParticipantIndex(
      setup.blobs.getContainerClient(PARTICIPANT_INDEX_CONTAINER),
      rotated["PARTICIPANT_INDEX_KEY"],
      container.containerName,
    );
    const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
    const first = await reindexParticipants({
      index,
      recordings: container,
      log: quiet,
      rotateKey: true,
      pageSize: 1,
      maxPages: 2,
    });
    expect(first.finishedAt).toBe("");
    // ... when a recording arrives whose folder the listing has already passed (the index still records the old key).
    const during = await new App(rotated).deliverAndArchive([
      setup.sim.recordingEvent({ callId: uniqueName("a-call"), chunks: [document([VICTIM])] }),
    ]);
    expect(during.some((line) => /PARTICIPANT_INDEX_KEY is not the key/.test(line))).toBe(true);
    const rest = await cli(["participants", "reindex", "--rotate-key"], rotated);
    expect(rest.code, rest.stderr).toBe(0);
    expect(JSON.parse(rest.stdout)).toMatchObject({ rotated: true, resumed: true });

    const found = JSON.parse((await cli(["participants", "find", VICTIM, "--json"], rotated)).stdout) as FindJson;
    expect(found.chunks).toHaveLength(2);
    expect(found.flagged.chunks).toEqual([]);
    const erase = await cli(["participants", "erase", VICTIM, "--yes"], rotated);
    expect(erase.code, erase.stderr).toBe(0);
    expect(JSON.parse(erase.stdout)).toMatchObject({ complete: true, totals: { erased: 2 } });
    expect((await listBlobs(container, "calls/")).filter((name) => /\.(mp4|metadata\.json)$/.test(name))).toEqual([]);
  });

  it("an index without a key fingerprint (made by an older version) is refused by find until reindex records the key", async () => {
    const settings = settingsFor(strongKey());
    const app = new App(settings);
    await app.deliverAndArchive([setup.sim.recordingEvent({ chunks: [document([VICTIM])] })]);
    await setup.blobs
      .getContainerClient(PARTICIPANT_INDEX_CONTAINER)
      .getBlobClient(`keys/${settings["RECORDINGS_CONTAINER"] ?? ""}.json`)
      .delete();
    const refused = await cli(["participants", "find", VICTIM], settings);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/records no key fingerprint yet .* Run "recording-archiver participants reindex"/);
    expect((await cli(["participants", "reindex"], settings)).code).toBe(0);
    expect((await cli(["participants", "find", VICTIM], settings)).code).toBe(0);
  });
});

describe("listed names are data, not paths", () => {
  it("erase never deletes a planted '..' name (nor what it points at), export writes nothing outside --out, and both report it", async () => {
    const settings = settingsFor(strongKey());
    const app = new App(settings);
    const chunk = document([VICTIM]);
    await app.deliverAndArchive([setup.sim.recordingEvent({ chunks: [chunk] })]);
    const metadata = (await listBlobs(app.container, "calls/")).find((name) =>
      name.endsWith(".metadata.json"),
    ) as string;
    const stem = metadata.slice(0, -".metadata.json".length);
    // A blob in another container, and names under the chunk that resolve to it (or above --out when exported).
    const elsewhere = setup.blobs.getContainerClient(uniqueName("keep-me"));
    await elsewhere.create();
    await elsewhere.getBlockBlobClient("keep-me.json").upload("{}", 2);
    const planted = [
      `${stem}./../../../../${elsewhere.containerName}/keep-me.json`,
      `${stem}.mp4/../../../../../outside.txt`,
      `${stem}.x//y`,
    ];
    // Raw PUTs keep the dot segments in the names (the SDK and fetch would resolve them before sending).
    for (const name of planted) expect(await rawPut(app.container, name, "planted")).toBe(201);
    const listed = await listBlobs(app.container, "calls/");
    expect(listed.filter((name) => name.includes("/../") || name.includes("//")).length).toBeGreaterThanOrEqual(2);

    const out = join(setup.workDir, "planted-export");
    const exported = await cli(["participants", "export", VICTIM, "--out", out], settings);
    expect(exported.code, exported.stderr).toBe(0);
    expect(existsSync(join(out, "..", "outside.txt"))).toBe(false);
    expect(existsSync(join(setup.workDir, "outside.txt"))).toBe(false);
    const report = JSON.parse(readFileSync(join(out, "export.json"), "utf8")) as {
      files: { blob: string; path: string }[];
      unsafeNames: string[];
    };
    expect(report.files).toHaveLength(3); // media, metadata, and the manifest (every chunk it names is theirs)
    for (const file of report.files) expect(file.path.startsWith("..")).toBe(false);
    expect(report.unsafeNames.length).toBeGreaterThanOrEqual(2);

    const erased = await cli(["participants", "erase", VICTIM, "--yes"], settings);
    expect(erased.code).toBe(1); // the refused names keep the erasure from being complete
    const receipt = JSON.parse(erased.stdout) as {
      complete: boolean;
      unsafeNames: string[];
      chunks: { outcome: string }[];
    };
    expect(receipt.complete).toBe(false);
    expect(receipt.chunks.map((entry) => entry.outcome)).toEqual(["erased"]);
    expect(receipt.unsafeNames.length).toBeGreaterThanOrEqual(2);
    expect(erased.stderr).toMatch(/Refused a blob name under .*not usable as a name/);
    expect(await listBlobs(elsewhere)).toEqual(["keep-me.json"]);
    const left = await listBlobs(app.container, "calls/");
    for (const name of listed.filter((candidate) => candidate.includes("/../") || candidate.includes("//")))
      expect(left).toContain(name);
  });

  it("export creates its directory 0700 and its files 0600", async () => {
    if (process.platform === "win32") return;
    const settings = settingsFor(strongKey());
    const app = new App(settings);
    await app.deliverAndArchive([setup.sim.recordingEvent({ chunks: [document([VICTIM])] })]);
    const out = join(setup.workDir, "modes", "nested-export");
    const run = await cli(["participants", "export", VICTIM, "--out", out], settings);
    expect(run.code, run.stderr).toBe(0);
    expect(statSync(out).mode & 0o777).toBe(0o700);
    const entries = readdirSync(out, { recursive: true, withFileTypes: true });
    expect(entries.filter((entry) => entry.isFile())).toHaveLength(4); // media, metadata, the manifest (every chunk it names is theirs), export.json
    for (const entry of entries)
      expect(statSync(join(entry.parentPath, entry.name)).mode & 0o777).toBe(entry.isFile() ? 0o600 : 0o700);
  });
});

describe("what the index cannot name is said, not hidden", () => {
  it("find flags a chunk whose metadata is not JSON, and reports index entries of an older version until reindex migrates them", async () => {
    const key = strongKey();
    const settings = settingsFor(key);
    const app = new App(settings);
    const broken = document("{ this is not JSON");
    const archiveLines = await app.deliverAndArchive([setup.sim.recordingEvent({ chunks: [broken] })]);
    expect(archiveLines.join("\n")).toMatch(/is not JSON; flagged for an operator/);
    await app.deliverAndArchive([setup.sim.recordingEvent({ chunks: [document([VICTIM])] })]);
    const names = await listBlobs(app.container, "calls/");
    const brokenFolder = names.find((name) => name.endsWith(".metadata.json") && name.includes(broken.documentId));
    expect(brokenFolder).toBeDefined();

    // An entry as the previous version wrote it: per recording folder, not per chunk.
    const keyed = createHmac("sha256", key).update(VICTIM).digest("hex");
    const victimFolder = (
      names.find((name) => name.endsWith(".metadata.json") && name !== brokenFolder) as string
    ).replace(/[^/]+$/, "");
    const legacy = `participants/${keyed}/${app.container.containerName}/${victimFolder.slice("calls/".length, -1)}.json`;
    const index = setup.blobs.getContainerClient(PARTICIPANT_INDEX_CONTAINER);
    await index.getBlockBlobClient(legacy).upload("{}", 2);

    const run = await cli(["participants", "find", VICTIM, "--json"], settings);
    expect(run.code, run.stderr).toBe(0);
    const found = JSON.parse(run.stdout) as FindJson;
    expect(found.flagged.chunks.map((chunk) => `${chunk.folder}${chunk.stem}.metadata.json`)).toContain(brokenFolder);
    expect(found.legacyFolders).toEqual([victimFolder]);
    expect(found.message).toMatch(/older version .* run "recording-archiver participants reindex"/);
    expect(found.message).toMatch(/could not be indexed .* check them by hand/);
    const table = await cli(["participants", "find", VICTIM], settings);
    expect(table.stdout).toContain(brokenFolder?.replace(/\.metadata\.json$/, "") ?? "?");

    const reindex = await cli(["participants", "reindex"], settings);
    expect(JSON.parse(reindex.stdout)).toMatchObject({ flagged: 1, prunedEntries: 1 });
    expect(await index.getBlobClient(legacy).exists()).toBe(false);
    const again = JSON.parse((await cli(["participants", "find", VICTIM, "--json"], settings)).stdout) as FindJson;
    expect(again.legacyFolders).toEqual([]);
    expect(again.chunks).toHaveLength(1);
  });
});

/** A PUT of `name` exactly as written (dot segments kept), with a short-lived container SAS; the status. */
function rawPut(container: ContainerClient, name: string, body: string): Promise<number> {
  const sas = generateBlobSASQueryParameters(
    {
      containerName: container.containerName,
      permissions: BlobSASPermissions.parse("rcw"),
      expiresOn: new Date(Date.now() + 600_000),
    },
    new StorageSharedKeyCredential("devstoreaccount1", AZURITE_KEY),
  ).toString();
  const url = new URL(container.url);
  return new Promise((resolve, reject) => {
    const put = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        method: "PUT",
        path: `${url.pathname}/${name}?${sas}`,
        headers: {
          "x-ms-blob-type": "BlockBlob",
          "content-length": Buffer.byteLength(body),
          "x-ms-version": "2021-12-02",
        },
      },
      (answer) => {
        answer.resume();
        resolve(answer.statusCode ?? 0);
      },
    );
    put.on("error", reject);
    put.end(body);
  });
}
