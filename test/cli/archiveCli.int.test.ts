// Integration tier. Needs: Azurite, the ACS simulator, dist/, loopback servers.
import { createHash } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type ContainerClient } from "@azure/storage-blob";
import { QueueServiceClient } from "@azure/storage-queue";
import { describe, expect, inject, it } from "vitest";
import { runCompiledCli as runCli, type CliRun } from "../support/compiledCli";
import type { RunSummary } from "../../src/cli/output/summary";
import { type EventGridEvent } from "../../tools/acsSimulator";
import { AZURITE_KEY } from "../../tools/azurite";
import { useSimAndAzurite } from "../support/simAndAzurite";
import { uniqueName, simSettings } from "../support/testSettings";

/** The compiled CLI, run in this file's work directory unless told otherwise. */
const runCompiledCli = (
  args: readonly string[],
  options: { env?: Record<string, string>; cwd?: string; stdin?: string } = {},
): Promise<CliRun> => runCli(args, { cwd: setup.workDir, ...options });

const setup = useSimAndAzurite({ workDirPrefix: "archive-cli-", compiledCli: true });

/** Settings pointing at the simulator and the shared Azurite, with a container of the test's own. */
function settingsFor(overrides: Record<string, string> = {}): Record<string, string> {
  return simSettings(setup.sim, {
    RECORDINGS_CONTAINER: uniqueName("cli"),
    CHUNK_QUEUE: uniqueName("cli-chunks"),
    DOWNLOAD_BLOCK_SIZE: "256KiB",
    DOWNLOAD_CONCURRENCY: "4",
    ...overrides,
  });
}

function writeEvents(name: string, events: unknown): string {
  const file = join(setup.workDir, name);
  writeFileSync(file, JSON.stringify(events));
  return file;
}

function summaryOf(run: CliRun): RunSummary {
  expect(run.stdout.trim().startsWith("{"), run.stderr).toBe(true);
  return JSON.parse(run.stdout) as RunSummary;
}

function expectNoSecrets(...runs: readonly CliRun[]): void {
  for (const run of runs) {
    for (const secret of [setup.sim.accessKey, AZURITE_KEY]) {
      expect(run.stdout).not.toContain(secret);
      expect(run.stderr).not.toContain(secret);
    }
    expect(`${run.stdout}${run.stderr}`).not.toMatch(/Signature=[A-Za-z0-9+/]{10}/);
  }
}

async function sha256Of(container: ContainerClient, name: string): Promise<string> {
  const hash = createHash("sha256");
  const download = await container.getBlobClient(name).download();
  for await (const piece of download.readableStreamBody as AsyncIterable<Buffer>) hash.update(piece);
  return hash.digest("hex");
}

/** Asserts each archived chunk of a summary against the simulator, byte for byte. */
async function expectArchivedExactly(summary: RunSummary): Promise<void> {
  const container = setup.blobs.getContainerClient(summary.recordingsContainer);
  const local = (blob: string): string => blob.slice(summary.recordingsContainer.length + 1);
  for (const chunk of summary.chunks) {
    expect(chunk.blob.startsWith(`${summary.recordingsContainer}/`)).toBe(true);
    expect(await sha256Of(container, local(chunk.blob))).toBe(setup.sim.contentSha256(chunk.documentId));
    const metadata = await container.getBlobClient(local(chunk.metadataBlob)).downloadToBuffer();
    expect(metadata.equals(setup.sim.metadataBytes(chunk.documentId))).toBe(true);
  }
}

describe("recording-archiver archive (compiled, against the simulator and Azurite)", () => {
  it("archives every chunk of a GA Event Grid event byte for byte, then finds them archived", async () => {
    const event = setup.sim.recordingEvent({
      callId: "cli-call-ga",
      chunks: [
        { documentId: "cli-ga-0", size: 1_000_000 + 3 },
        { documentId: "cli-ga-1", size: 600_000 },
        { documentId: "cli-ga-2", size: 0 },
      ],
    });
    const settings = settingsFor();
    const file = writeEvents("ga.json", [event]);
    const first = await runCompiledCli(["archive", "--event", file], { env: settings });
    expect(first.code, first.stderr).toBe(0);
    const summary = summaryOf(first);
    expect(
      summary.chunks.map(({ documentId, index, bytes, outcome }) => ({ documentId, index, bytes, outcome })),
    ).toEqual([
      { documentId: "cli-ga-0", index: 0, bytes: 1_000_003, outcome: "archived" },
      { documentId: "cli-ga-1", index: 1, bytes: 600_000, outcome: "archived" },
      { documentId: "cli-ga-2", index: 2, bytes: 0, outcome: "archived" },
    ]);
    expect(summary.chunks[0]).toMatchObject({
      chunkKey: `${event.topic.toLowerCase()}|cli-ga-0|0`,
      eventId: event.id,
      blob: expect.stringMatching(
        new RegExp(
          `^${settings["RECORDINGS_CONTAINER"]}/calls/cli-call-ga/\\d{8}T\\d{9}Z-[0-9a-f-]+/0000-cli-ga-0\\.mp4$`,
        ),
      ) as unknown,
      metadataBlob: expect.stringMatching(/\/0000-cli-ga-0\.metadata\.json$/) as unknown,
    });
    expect(summary.totals).toEqual({
      chunks: 3,
      archived: 3,
      alreadyArchived: 0,
      erased: 0,
      failed: 0,
      rejectedEvents: 0,
      bytes: 1_600_003,
    });
    expect(summary.events).toEqual({ received: 1, accepted: 1, ignored: 0, rejected: [] });
    await expectArchivedExactly(summary);

    const again = await runCompiledCli(["archive", "--event", file], { env: settings });
    expect(again.code, again.stderr).toBe(0);
    expect(summaryOf(again).chunks.map((chunk) => chunk.outcome)).toEqual([
      "alreadyArchived",
      "alreadyArchived",
      "alreadyArchived",
    ]);
    expectNoSecrets(first, again);
  });

  it("reads a CloudEvents preview-era event from stdin, with settings from local.settings.json (the environment wins)", async () => {
    const event = setup.sim.recordingEvent({
      schema: "cloudevents",
      era: "preview",
      callId: "cli-call-preview",
      chunks: [{ documentId: "cli-preview-0", size: 700_001 }],
    });
    const cwd = mkdtempSync(join(setup.workDir, "settings-"));
    const { DOWNLOAD_CONCURRENCY: _concurrency, ...fileValues } = settingsFor();
    writeFileSync(
      join(cwd, "local.settings.json"),
      JSON.stringify({ IsEncrypted: false, Values: { ...fileValues, DOWNLOAD_CONCURRENCY: "lots" } }),
    );
    const run = await runCompiledCli(["archive", "--event", "-"], {
      cwd,
      stdin: JSON.stringify(event),
      env: { DOWNLOAD_CONCURRENCY: "2" },
    });
    expect(run.code, run.stderr).toBe(0);
    const summary = summaryOf(run);
    expect(summary.chunks).toMatchObject([{ documentId: "cli-preview-0", bytes: 700_001, outcome: "archived" }]);
    expect(summary.recordingsContainer).toBe(fileValues["RECORDINGS_CONTAINER"]);
    await expectArchivedExactly(summary);
    expect(setup.sim.requests.some((request) => request.url.startsWith("/recording/download/cli-preview-0"))).toBe(
      true,
    );

    const fromFileOnly = await runCompiledCli(["archive", "--event", "-"], { cwd, stdin: JSON.stringify(event) });
    expect(fromFileOnly.code).toBe(2);
    expect(fromFileOnly.stderr).toMatch(/DOWNLOAD_CONCURRENCY.*local\.settings\.json/);
    expect(fromFileOnly.stdout).toBe("");
    expectNoSecrets(run, fromFileOnly);
  });

  it("quarantines invalid events exactly as intake does, archives the valid one and exits 1", async () => {
    const valid = setup.sim.recordingEvent({
      callId: "cli-call-mixed",
      chunks: [{ documentId: "cli-mixed-ok", size: 300_000 }],
    });
    const copy = (): EventGridEvent =>
      JSON.parse(
        JSON.stringify(setup.sim.recordingEvent({ chunks: [{ documentId: "cli-mixed-bad", size: 1000 }] })),
      ) as EventGridEvent;
    const hostile = copy();
    const hostileChunk = hostile.data.recordingStorageInfo.recordingChunks[0];
    if (hostileChunk) hostileChunk.contentLocation = `${setup.sim.foreignUrl}/v1/objects/cli-mixed-bad/content/video`;
    const badDocument = copy();
    const badChunk = badDocument.data.recordingStorageInfo.recordingChunks[0];
    if (badChunk) badChunk.documentId = "../../etc/passwd";
    const noTime = { ...copy(), eventTime: "yesterday" };
    const other = { ...copy(), eventType: "Microsoft.Communication.CallStarted" };
    const settings = settingsFor();
    const run = await runCompiledCli(
      ["archive", "--event", writeEvents("mixed.json", [valid, hostile, badDocument, 42, noTime, other])],
      { env: settings },
    );
    expect(run.code, run.stderr).toBe(1);
    const summary = summaryOf(run);
    expect(summary.chunks).toMatchObject([{ documentId: "cli-mixed-ok", outcome: "archived", bytes: 300_000 }]);
    expect(summary.events?.received).toBe(6);
    expect(summary.events?.accepted).toBe(1);
    expect(summary.events?.ignored).toBe(1);
    const rejected = summary.events?.rejected ?? [];
    expect(rejected.map(({ position, field }) => ({ position, field }))).toEqual([
      { position: 1, field: "data.recordingStorageInfo.recordingChunks[0].contentLocation" },
      { position: 2, field: "data.recordingStorageInfo.recordingChunks[0].documentId" },
      { position: 3, field: undefined },
      { position: 4, field: "eventTime" },
    ]);
    expect(summary.totals).toMatchObject({ archived: 1, failed: 0, rejectedEvents: 4 });
    const quarantine = setup.blobs.getContainerClient("rejected-events");
    for (const entry of rejected) {
      expect(entry.keptAt).toMatch(/^rejected-events\//);
      const kept = JSON.parse(
        (
          await quarantine.getBlobClient((entry.keptAt ?? "").slice("rejected-events/".length)).downloadToBuffer()
        ).toString("utf8"),
      ) as {
        reason: { code: string; field?: string };
        receivedVia: string;
        input: unknown;
        eventId?: string;
      };
      expect(kept.reason.code).toBe("InvalidEvent");
      expect(kept.reason.field).toBe(entry.field);
      expect(kept.input).toEqual([valid, hostile, badDocument, 42, noTime, other][entry.position]);
      expect(kept.receivedVia).toMatch(/^recording-archiver archive --event mixed\.json/);
      if (entry.position !== 3) expect(kept.eventId).toBe(entry.eventId);
    }
    expect(setup.sim.counters.totals.foreignRequests).toBe(0);
    await expectArchivedExactly(summary);
    expectNoSecrets(run);
  });

  it("records a chunk that fails for good (wrong key), exits 1, and replays it from its failure record", async () => {
    const event = setup.sim.recordingEvent({
      callId: "cli-call-key",
      chunks: [{ documentId: "cli-key-0", size: 400_000 }],
    });
    const wrongKey = Buffer.alloc(32, 9).toString("base64");
    const settings = settingsFor({ ACS_CONNECTION_STRING: `endpoint=${setup.sim.endpointUrl}/;accesskey=${wrongKey}` });
    const failed = await runCompiledCli(["archive", "--event", writeEvents("key.json", event)], { env: settings });
    expect(failed.code, failed.stderr).toBe(1);
    const [chunk] = summaryOf(failed).chunks;
    expect(chunk).toMatchObject({ documentId: "cli-key-0", outcome: "failed", bytes: 0, attempts: 1 });
    expect(chunk?.reason).toMatch(/401/);
    expect(chunk?.failureRecord).toMatch(new RegExp(`^${settings["RECORDINGS_CONTAINER"]}/archive-failures/`));
    for (const output of [failed.stdout, failed.stderr]) expect(output).not.toContain(wrongKey);

    const replayed = await runCompiledCli(["replay", "--failure", chunk?.failureRecord ?? ""], {
      env: { ...settings, ACS_CONNECTION_STRING: setup.sim.connectionString },
    });
    expect(replayed.code, replayed.stderr).toBe(0);
    const summary = summaryOf(replayed);
    expect(summary).toMatchObject({
      command: "replay",
      replayOf: chunk?.failureRecord,
      chunks: [{ documentId: "cli-key-0", outcome: "archived", bytes: 400_000 }],
    });
    await expectArchivedExactly(summary);
    expectNoSecrets(failed, replayed);
  });

  it("reports expired chunks, and transient failures that outlast --attempts: re-queued for the app (even at the deadline), recorded only long past it", async () => {
    setup.sim.addDocument("cli-expired-0", { size: 1000, faults: [{ kind: "expired", target: "any" }] });
    for (const id of ["cli-busy-early", "cli-busy-late", "cli-busy-long-past"])
      setup.sim.addDocument(id, { size: 1000, faults: [{ kind: "status", status: 503, retryAfterSeconds: 0 }] });
    const minutesAgo = (minutes: number): string => new Date(Date.now() - minutes * 60_000).toISOString();
    const events = [
      setup.sim.recordingEvent({ eventTime: minutesAgo(120), chunks: [{ documentId: "cli-expired-0", size: 1000 }] }),
      setup.sim.recordingEvent({ eventTime: minutesAgo(0), chunks: [{ documentId: "cli-busy-early", size: 1000 }] }),
      setup.sim.recordingEvent({ eventTime: minutesAgo(59), chunks: [{ documentId: "cli-busy-late", size: 1000 }] }),
      setup.sim.recordingEvent({
        eventTime: minutesAgo(26 * 60),
        chunks: [{ documentId: "cli-busy-long-past", size: 1000 }],
      }),
    ];
    const settings = settingsFor({ RETENTION_HOURS: "1" });
    const run = await runCompiledCli(["archive", "--event", writeEvents("late.json", events), "--attempts", "2"], {
      env: settings,
    });
    expect(run.code, run.stderr).toBe(1);
    const [expired, requeued, requeuedAtDeadline, exhausted] = summaryOf(run).chunks;
    expect(expired).toMatchObject({
      documentId: "cli-expired-0",
      outcome: "expired",
      attempts: 1,
      failureRecord: expect.stringMatching(/archive-failures\/.*-expired-/) as unknown,
    });
    expect(requeued).toMatchObject({
      documentId: "cli-busy-early",
      outcome: "requeued",
      attempts: 2,
      requeuedForSeconds: 300,
    });
    expect(requeuedAtDeadline).toMatchObject({ documentId: "cli-busy-late", outcome: "requeued", attempts: 2 });
    expect(exhausted).toMatchObject({
      documentId: "cli-busy-long-past",
      outcome: "retriesExhausted",
      attempts: 2,
      failureRecord: expect.stringMatching(/archive-failures\/.*-retriesExhausted-/) as unknown,
    });
    expect(exhausted?.reason).toMatch(/503/);
    expect(run.stderr).toMatch(/run 1 of 2 failed for now; retrying/);
    const queue = QueueServiceClient.fromConnectionString(inject("azuriteConnectionString")).getQueueClient(
      settings["CHUNK_QUEUE"] ?? "",
    );
    expect((await queue.getProperties()).approximateMessagesCount).toBe(2);
    expectNoSecrets(run);
  });

  it("exits 2 naming the setting or the usage problem, with nothing on stdout and no secret anywhere", async () => {
    const file = writeEvents(
      "usage.json",
      setup.sim.recordingEvent({ chunks: [{ documentId: "cli-usage-0", size: 10 }] }),
    );
    const cases: { args: string[]; env: Record<string, string>; expected: RegExp }[] = [
      {
        args: ["archive", "--event", file],
        env: { ...settingsFor(), ACS_CONNECTION_STRING: "" },
        expected: /Setting ACS_CONNECTION_STRING is required/,
      },
      {
        args: ["archive", "--event", file],
        env: { ...settingsFor(), ACS_CONNECTION_STRING: `endpoint=ftp://x/;accesskey=${setup.sim.accessKey}` },
        expected: /Setting ACS_CONNECTION_STRING must use an https endpoint/,
      },
      {
        args: ["archive", "--event", file],
        env: settingsFor({ DOWNLOAD_BLOCK_SIZE: "huge" }),
        expected: /Setting DOWNLOAD_BLOCK_SIZE/,
      },
      {
        args: ["archive", "--event", file],
        env: settingsFor({ AzureWebJobsStorage: `AccountKey=${AZURITE_KEY}` }),
        expected: /Setting AzureWebJobsStorage is not a Storage connection string/,
      },
      {
        args: ["archive", "--event", join(setup.workDir, "missing.json")],
        env: settingsFor(),
        expected: /cannot read .*missing\.json/,
      },
      { args: ["archive", "--event", "-"], env: settingsFor(), expected: /stdin is not JSON/ },
      { args: ["archive"], env: settingsFor(), expected: /archive needs --event/ },
      { args: ["archive", "--event", file, "--bogus"], env: settingsFor(), expected: /unknown argument "--bogus"/ },
      { args: ["frobnicate"], env: settingsFor(), expected: /unknown command/ },
    ];
    for (const { args, env, expected } of cases) {
      const run = await runCompiledCli(args, { env, stdin: "not json" });
      expect(run.code, `${args.join(" ")}: ${run.stderr}`).toBe(2);
      expect(run.stderr).toMatch(expected);
      expect(run.stdout).toBe("");
      expectNoSecrets(run);
    }
  });

  it("prints its usage with --help, saying where settings come from", async () => {
    const run = await runCompiledCli(["--help"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("recording-archiver archive --event <file|->");
    expect(run.stdout).toMatch(/local\.settings\.json[\s\S]*the environment wins/);
    expect(run.stdout).toMatch(/Exit codes:/);
  });
});
