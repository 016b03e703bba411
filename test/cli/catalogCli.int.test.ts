// Integration tier. Needs: Azurite, the ACS simulator, dist/, loopback servers.
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { chunkBlobNames, manifestName } from "../../src/layout/blobLayout";
import { ARCHIVE_EVENT_TYPES } from "../../src/catalog/archiveEvents";
import type { CallStatus } from "../../src/catalog/callStatus";
import { readManifest, type RecordingManifest } from "../../src/catalog/recordingManifest";
import { startAcsSimulator, type AcsSimulator } from "../../tools/acsSimulator";
import { startEventReceiver, type EventReceiver } from "../../tools/eventReceiver";
import { archiveHarness, type ArchiveHarness } from "../support/archiveHarness";
import { ensureCompiledCli, runCompiledCli, type CliRun } from "../support/compiledCli";
import { capturingContext, simSettings } from "../support/testSettings";

const root = resolve(__dirname, "..", "..");

let sim: AcsSimulator;
let receiver: EventReceiver;
beforeAll(async () => {
  ensureCompiledCli();
  [sim, receiver] = await Promise.all([startAcsSimulator(), startEventReceiver()]);
}, 120_000);
afterAll(async () => Promise.all([sim.close(), receiver.close()]));

function cli(args: readonly string[], harness: ArchiveHarness): Promise<CliRun> {
  return runCompiledCli(args, {
    cwd: root,
    env: simSettings(sim, {
      RECORDINGS_CONTAINER: harness.container.containerName,
      ARCHIVE_EVENTS_ENDPOINT: receiver.endpoint,
      ARCHIVE_EVENTS_KEY: receiver.key,
    }),
  });
}

describe("recording-archiver manifest / status (compiled CLI)", () => {
  it("writes the manifest of a recording archived before manifests existed, computing a SHA-256 its blob lacks, and publishes RecordingArchived", async () => {
    const harness = archiveHarness(sim, inject("azuriteConnectionString"));
    const messages = harness.messagesFor({
      callId: "cli-old-call",
      chunks: [
        { documentId: "cli-old-0", size: 70_000 },
        { documentId: "cli-old-1", size: 30_000 },
      ],
    });
    const { context } = capturingContext();
    // An earlier version archived both chunks (no catalog step, no manifest).
    for (const message of messages) expect((await harness.job.run(message, context)).status).toBe("archived");
    // A transfer resumed across invocations leaves no SHA-256 in the blob's metadata.
    const media = harness.container.getBlobClient(chunkBlobNames(messages[1]!).media);
    const { contentsha256: _dropped, ...kept } = (await media.getProperties()).metadata ?? {};
    await media.setMetadata(kept);
    const folder = chunkBlobNames(messages[0]!).folder;
    expect(await readManifest(harness.container, manifestName(folder))).toBeUndefined();

    const run = await cli(["manifest", "--call", "cli-old-call"], harness);
    expect(run.code, run.stderr).toBe(0);
    const printed = JSON.parse(run.stdout) as { recordings: { folder: string; status: string; chunks: number }[] };
    expect(printed.recordings).toEqual([expect.objectContaining({ folder, status: "written", chunks: 2 })]);
    const manifest = (await readManifest(harness.container, manifestName(folder))) as RecordingManifest;
    expect(manifest.callId).toBe("cli-old-call");
    expect(
      manifest.chunks.map((chunk) => [
        chunk.documentId,
        chunk.media.sha256,
        chunk.media.store === "archive" ? chunk.media.sha256Source : "byos",
      ]),
    ).toEqual([
      ["cli-old-0", sim.contentSha256("cli-old-0"), "blobMetadata"],
      ["cli-old-1", sim.contentSha256("cli-old-1"), "archiveRead"],
    ]);
    const events = receiver.events.filter(
      (event) =>
        event["eventType"] === ARCHIVE_EVENT_TYPES.recordingArchived &&
        String(event["subject"]).startsWith("recordings/cli-old-call/"),
    );
    expect(events).toHaveLength(1);
    expect(`${run.stdout}${run.stderr}`).not.toContain(receiver.key);

    // Again: the manifest stays as written.
    const again = await cli(["manifest", "--call", "cli-old-call"], harness);
    expect(again.code).toBe(0);
    expect((JSON.parse(again.stdout) as { recordings: { status: string }[] }).recordings[0]!.status).toBe("existing");
  });

  it("prints a call's status as a table, the same as JSON with --json, and exits 1 for an unknown call", async () => {
    const harness = archiveHarness(sim, inject("azuriteConnectionString"));
    const messages = harness.messagesFor({
      callId: "cli-status-call",
      recordingId: "cli-status-rec",
      chunks: [
        { documentId: "cli-st-0", size: 9_000 },
        { documentId: "cli-st-1", size: 8_000 },
      ],
    });
    const { context } = capturingContext();
    expect((await harness.job.run(messages[0], context)).status).toBe("archived");

    const json = await cli(["status", "--call", "cli-status-call", "--json"], harness);
    expect(json.code, json.stderr).toBe(0);
    const status = JSON.parse(json.stdout) as CallStatus;
    expect(status.recordings).toHaveLength(1);
    expect(status.recordings[0]).toMatchObject({ recordingId: "cli-status-rec", expectedChunks: 2, complete: false });
    expect(status.recordings[0]!.chunks).toEqual([
      expect.objectContaining({ index: 0, documentId: "cli-st-0", state: "archived" }),
    ]);

    const table = await cli(["status", "--call", "cli-status-call"], harness);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/Recording cli-status-rec started .* 1\/2 chunks archived, not complete/);
    expect(table.stdout).toMatch(/^0\s+cli-st-0\s+archived\s/m);

    const unknown = await cli(["status", "--call", "cli-nobody"], harness);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/never seen call "cli-nobody"/);
  });
});
