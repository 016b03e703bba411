// Integration tier. Needs: Azurite, the ACS simulator, dist/, loopback servers.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { recordingFolder } from "../../src/layout/blobLayout";
import { ARCHIVE_EVENT_TYPES } from "../../src/catalog/archiveEvents";
import { catalogFolder } from "../../src/layout/catalogLayout";
import { ErasureTombstones } from "../../src/catalog/erasureTombstones";
import { startAcsSimulator, type AcsSimulator } from "../../tools/acsSimulator";
import { startEventReceiver, type EventReceiver } from "../../tools/eventReceiver";
import { listBlobs } from "../support/archiveHarness";
import { ensureCompiledCli, runCompiledCli } from "../support/compiledCli";
import { compiledPipeline, type CompiledPipeline } from "../support/compiledPipeline";
import { uniqueName, simSettings } from "../support/testSettings";

// Erasure lasts, through the compiled app: a recording is archived (Event Grid trigger -> queue -> archiveChunk), then
// erased as `participants erase` does it (a tombstone per chunk, the recording's blobs deleted); redelivering the same
// queue messages and the same event, the poison rescue, `archive --event`, `replay` and the deadline watch bring nothing back,
// and the status API says `erased`. Raw participant ids never reach the archive events topic.

const HOUR = 3_600_000;
const ALICE = "4:+14255550123";
const BOB = "8:acs:11111111-aaaa-4aaa-8aaa-000000000001_00000001-bob";
/** 32 random bytes, base64. */
const INDEX_KEY = "OKPuxKwL/tgnx53Qj6wJvNAtM+NUPG6CIS/0WmmNda8=";

let sim: AcsSimulator;
let receiver: EventReceiver;
let settings: Record<string, string>;
beforeAll(async () => {
  ensureCompiledCli();
  [sim, receiver] = await Promise.all([startAcsSimulator(), startEventReceiver()]);
  settings = simSettings(sim, {
    RECORDINGS_CONTAINER: uniqueName("erased-rec"),
    CHUNK_QUEUE: uniqueName("erased-chunks"),
    PARTICIPANT_INDEX_KEY: INDEX_KEY,
    ARCHIVE_EVENTS_ENDPOINT: receiver.endpoint,
    ARCHIVE_EVENTS_KEY: receiver.key,
    RETENTION_HOURS: "24",
  });
});
afterAll(async () => Promise.all([sim.close(), receiver.close()]));

/** A two-chunk recording whose event is 20 h old (24 h window): its chunks are in the deadline watch's last quarter. */
function recording(callId: string): { event: object; documents: string[]; folder: string } {
  const documents = [`0-eus-d1-${callId}-a`, `0-eus-d1-${callId}-b`];
  for (const documentId of documents)
    sim.addDocument(documentId, {
      size: 200_000,
      metadata: { chunkDocumentId: documentId, participants: [{ participantId: ALICE }, { participantId: BOB }] },
    });
  const eventTime = new Date(Date.now() - 20 * HOUR).toISOString();
  const recordingStartTime = new Date(Date.parse(eventTime) - 10 * 60_000).toISOString();
  const event = sim.recordingEvent({
    callId,
    recordingId: `${callId}-rec`,
    eventTime,
    recordingStartTime,
    chunks: documents.map((documentId) => ({ documentId, size: 200_000 })),
  });
  return {
    event,
    documents,
    folder: recordingFolder({ callId, recordingId: `${callId}-rec`, recordingStartTime, eventTime }),
  };
}

/** What `participants erase` leaves: a tombstone per chunk, the recording's blobs gone (catalog records optionally too). */
async function eraseAsErasureDoes(
  pipeline: CompiledPipeline,
  folder: string,
  documents: readonly string[],
  catalogToo: boolean,
): Promise<void> {
  const tombstones = new ErasureTombstones(pipeline.recordings);
  for (const [index, documentId] of documents.entries())
    await tombstones.record({
      recordingFolder: folder,
      documentId,
      index,
      erasedAt: new Date().toISOString(),
      receipt: "participant-erasures/test.json",
    });
  const doomed = [
    ...(await listBlobs(pipeline.recordings, folder)),
    ...(catalogToo ? await listBlobs(pipeline.recordings, catalogFolder(folder)) : []),
  ];
  for (const name of doomed) await pipeline.recordings.getBlobClient(name).delete();
}

const served = (documents: readonly string[]): number =>
  documents.reduce((sum, documentId) => sum + (sim.counters.documents[documentId]?.contentBytesServed ?? 0), 0);

describe("an erased recording stays erased (compiled app, Azurite, ACS simulator)", () => {
  it("redelivered queue messages and events, the poison rescue, archive --event, replay and the deadline watch bring nothing back; status says erased", async () => {
    const pipeline = compiledPipeline(inject("azuriteConnectionString"), settings);
    const callId = uniqueName("erased-call");
    const { event, documents, folder } = recording(callId);
    // A second recording of the same age that nobody archives: the watch's positive control.
    const pendingCall = uniqueName("pending-call");
    const pending = recording(pendingCall);

    await pipeline.deliver(event, pending.event);
    const messages = await pipeline.drain();
    expect(messages).toHaveLength(4);
    const ours = messages.filter((message) => documents.includes((message as { documentId: string }).documentId));
    for (const message of ours) await pipeline.archive(message);
    expect(
      (await listBlobs(pipeline.recordings, folder)).filter((name) => name.endsWith("manifest.json")),
    ).toHaveLength(1);

    // RecordingArchived went out: the manifest's participants as a count, never a raw id, in any event.
    const archived = receiver.events.filter(
      (item) => item["eventType"] === ARCHIVE_EVENT_TYPES.recordingArchived && String(item["subject"]).includes(callId),
    );
    expect(archived).toHaveLength(1);
    expect(archived[0]?.["data"]).toMatchObject({ manifest: { participantCount: 2, chunkCount: 2 } });
    expect(JSON.stringify(receiver.events)).not.toContain(ALICE);
    expect(JSON.stringify(receiver.events)).not.toContain(BOB);
    expect(JSON.stringify(receiver.events)).not.toContain("participantIds");

    await eraseAsErasureDoes(pipeline, folder, documents, false);
    const bytesBefore = served(documents);
    const eventsBefore = receiver.events.length;

    // The same queue messages again (Event Grid or the queue redelivering), and through the poison rescue.
    for (const message of ours) await pipeline.archive(message, 2);
    for (const message of ours) await pipeline.rescue(message);
    expect(await pipeline.drain()).toEqual([]);
    // The same event again: nothing queued, nothing expected again.
    await pipeline.deliver(event);
    expect(await pipeline.drain()).toEqual([]);
    expect(
      pipeline.logs.some((line) => /Skipped 2 chunk\(s\) that a data-subject erasure removed/.test(line.message)),
    ).toBe(true);
    expect(await listBlobs(pipeline.recordings, folder)).toEqual([]);
    expect(served(documents)).toBe(bytesBefore);
    expect(receiver.events.slice(eventsBefore).filter((item) => String(item["subject"]).includes(callId))).toEqual([]);

    // Status: erased, not pending; the recording is not complete and has no manifest.
    const answer = await pipeline.status(callId);
    expect(answer.status).toBe(200);
    const status = answer.json as {
      recordings: { complete: boolean; manifest: string | null; chunks: { index: number; state: string }[] }[];
    };
    expect(status.recordings).toHaveLength(1);
    expect(status.recordings[0]).toMatchObject({
      complete: false,
      manifest: null,
      chunks: [
        { index: 0, state: "erased" },
        { index: 1, state: "erased" },
      ],
    });

    // The deadline watch: an at-risk event for the pending recording (it runs and would fire), none for the erased one.
    await pipeline.watch();
    // One RecordingDeadlineAtRisk per recording, listing its chunks at risk.
    const atRisk = receiver.events.filter((item) => item["eventType"] === ARCHIVE_EVENT_TYPES.recordingDeadlineAtRisk);
    const listed = (item: Record<string, unknown>): string[] =>
      (item["data"] as { chunks: { documentId: string }[] }).chunks.map((chunk) => chunk.documentId);
    const forPending = atRisk.filter((item) => String(item["subject"]).includes(pendingCall));
    expect(forPending).toHaveLength(1);
    expect(forPending[0]?.["data"]).toMatchObject({ atRiskCount: 2 });
    expect(listed(forPending[0] ?? {}).sort()).toEqual([...pending.documents].sort());
    expect(atRisk.filter((item) => String(item["subject"]).includes(callId))).toEqual([]);
    expect(atRisk.flatMap(listed).filter((documentId) => documents.includes(documentId))).toEqual([]);

    // `recording-archiver archive --event` with the same event: the chunks are reported erased (exit 0), nothing written.
    const work = mkdtempSync(join(tmpdir(), "erased-cli-"));
    try {
      writeFileSync(join(work, "event.json"), JSON.stringify(event));
      const run = await runCompiledCli(["archive", "--event", join(work, "event.json"), "--no-progress"], {
        env: settings,
      });
      expect(run.code, run.stderr).toBe(0);
      const summary = JSON.parse(run.stdout) as {
        chunks: { outcome: string }[];
        totals: { erased: number; failed: number };
      };
      expect(summary.chunks.map((chunk) => chunk.outcome)).toEqual(["erased", "erased"]);
      expect(summary.totals).toMatchObject({ erased: 2, failed: 0 });
      // `recording-archiver replay --failure` of a record holding one of the chunk messages: erased, nothing written.
      writeFileSync(join(work, "record.json"), JSON.stringify({ outcome: "failed", message: ours[0] }));
      const replay = await runCompiledCli(["replay", "--failure", join(work, "record.json"), "--no-progress"], {
        env: settings,
      });
      expect(replay.code, replay.stderr).toBe(0);
      expect(
        (JSON.parse(replay.stdout) as { chunks: { outcome: string }[] }).chunks.map((chunk) => chunk.outcome),
      ).toEqual(["erased"]);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
    expect(await listBlobs(pipeline.recordings, folder)).toEqual([]);
    expect(served(documents)).toBe(bytesBefore);
    // Nothing published in the whole story — RecordingArchived, the at-risk events — carried a raw participant id.
    expect(JSON.stringify(receiver.events)).not.toContain(ALICE);
    expect(JSON.stringify(receiver.events)).not.toContain(BOB);
  });

  it("holds when the erasure also removed the recording's catalog records: the tombstones alone keep it erased", async () => {
    const pipeline = compiledPipeline(inject("azuriteConnectionString"), settings);
    const callId = uniqueName("erased-all");
    const { event, documents, folder } = recording(callId);
    await pipeline.deliver(event);
    const messages = await pipeline.drain();
    for (const message of messages) await pipeline.archive(message);
    await eraseAsErasureDoes(pipeline, folder, documents, true);
    expect(await listBlobs(pipeline.recordings, catalogFolder(folder))).toEqual([]);

    await pipeline.deliver(event);
    expect(await pipeline.drain()).toEqual([]);
    for (const message of messages) await pipeline.archive(message, 3);
    expect(await listBlobs(pipeline.recordings, folder)).toEqual([]);
    expect(await listBlobs(pipeline.recordings, catalogFolder(folder))).toEqual([]);
    const status = (await pipeline.status(callId)).json as {
      recordings: { complete: boolean; chunks: { index: number | null; documentId: string; state: string }[] }[];
    };
    expect(status.recordings[0]?.complete).toBe(false);
    expect(status.recordings[0]?.chunks).toEqual([
      expect.objectContaining({ index: 0, documentId: documents[0], state: "erased" }),
      expect.objectContaining({ index: 1, documentId: documents[1], state: "erased" }),
    ]);
  });

  it("an event naming the erased chunk with another start time (another folder) restores nothing: not by the app, not by archive --event", async () => {
    const pipeline = compiledPipeline(inject("azuriteConnectionString"), settings);
    const env = settings;
    const callId = uniqueName("erased-refolder");
    const carol = `8:acs:11111111-aaaa-4aaa-8aaa-000000000003_00000003-${callId}`;
    const documentId = `0-eus-d1-${callId}-a`;
    sim.addDocument(documentId, {
      size: 60_000,
      metadata: { chunkDocumentId: documentId, participants: [{ participantId: carol }] },
    });
    const eventTime = new Date(Date.now() - 2 * HOUR).toISOString();
    const recordingStartTime = new Date(Date.parse(eventTime) - 10 * 60_000).toISOString();
    const fields = { callId, recordingId: `${callId}-rec`, eventTime, chunks: [{ documentId, size: 60_000 }] };
    await pipeline.deliver(sim.recordingEvent({ ...fields, recordingStartTime }));
    for (const message of await pipeline.drain()) await pipeline.archive(message);
    const erase = await runCompiledCli(["participants", "erase", carol, "--yes"], { env });
    expect(erase.code, erase.stderr).toBe(0);
    expect(JSON.parse(erase.stdout)).toMatchObject({ complete: true, totals: { erased: 1 } });
    const bytesBefore = served([documentId]);

    // The same chunk, its recording's start one millisecond later: another recording folder.
    const laterStart = new Date(Date.parse(recordingStartTime) + 1).toISOString();
    const moved = sim.recordingEvent({ ...fields, recordingStartTime: laterStart });
    const otherFolder = recordingFolder({
      callId,
      recordingId: `${callId}-rec`,
      recordingStartTime: laterStart,
      eventTime,
    });
    await pipeline.deliver(moved);
    for (const message of await pipeline.drain()) await pipeline.archive(message);
    const work = mkdtempSync(join(tmpdir(), "erased-refolder-"));
    try {
      writeFileSync(join(work, "event.json"), JSON.stringify(moved));
      const run = await runCompiledCli(["archive", "--event", join(work, "event.json"), "--no-progress"], { env });
      expect(run.code, run.stderr).toBe(0);
      expect(
        (JSON.parse(run.stdout) as { chunks: { outcome: string }[] }).chunks.map((chunk) => chunk.outcome),
      ).toEqual(["erased"]);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
    expect(
      await listBlobs(pipeline.recordings, `calls/`).then((names) => names.filter((name) => name.includes(documentId))),
    ).toEqual([]);
    expect(served([documentId])).toBe(bytesBefore);
    const found = await runCompiledCli(["participants", "find", carol, "--json"], { env });
    expect(JSON.parse(found.stdout)).toMatchObject({ matched: false, totals: { chunks: 0 } });
    // The other folder's status says erased, not pending.
    const status = (await pipeline.status(callId)).json as {
      recordings: { folder?: string; chunks: { documentId: string; state: string }[] }[];
    };
    const states = status.recordings.flatMap((recording) => recording.chunks.map((chunk) => chunk.state));
    expect(states.length).toBeGreaterThan(0);
    expect(states.every((state) => state === "erased")).toBe(true);
    expect(otherFolder).not.toBe(
      recordingFolder({ callId, recordingId: `${callId}-rec`, recordingStartTime, eventTime }),
    );
  });
});
