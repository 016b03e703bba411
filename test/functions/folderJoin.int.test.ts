// Integration tier. Needs: Azurite, the ACS simulator, dist/, loopback servers.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { manifestName, recordingFolder } from "../../src/layout/blobLayout";
import { readManifest } from "../../src/catalog/recordingManifest";
import { DEFAULT_TOPIC, startAcsSimulator, type AcsSimulator } from "../../tools/acsSimulator";
import { ensureCompiledCli, runCompiledCli } from "../support/compiledCli";
import { compiledPipeline } from "../support/compiledPipeline";
import { uniqueName, simSettings } from "../support/testSettings";

// A forged event that copies a victim recording's call id, recording id and start time names the victim's folder.
// Its chunk is archived (a real recording's chunks may come in several events; a refused chunk is lost within a day),
// but marked: the manifest and the status API say which chunks the recording's first event did not announce.

const VICTIM = "8:acs:victim-0001";
const ATTACKER = "8:acs:attacker-0002";
const OTHER_RESOURCE = DEFAULT_TOPIC.replace(/acs-sim$/, "acs-elsewhere");

let sim: AcsSimulator;
beforeAll(async () => {
  ensureCompiledCli();
  sim = await startAcsSimulator();
});
afterAll(async () => sim.close());

describe("a chunk that joins a recording's folder from another event (compiled app, Azurite, ACS simulator)", () => {
  it("is archived and marked in the status API, the manifest and `recording-archiver status`", async () => {
    const settings = simSettings(sim, {
      RECORDINGS_CONTAINER: uniqueName("join-rec"),
      CHUNK_QUEUE: uniqueName("join-chunks"),
    });
    const pipeline = compiledPipeline(inject("azuriteConnectionString"), settings);
    const callId = uniqueName("join-call");
    const recordingId = `${callId}-rec`;
    const eventTime = new Date(Date.now() - 3_600_000).toISOString();
    const recordingStartTime = new Date(Date.parse(eventTime) - 600_000).toISOString();
    const document = (name: string, participant: string): string => {
      const documentId = `0-eus-d2-${callId}-${name}`;
      sim.addDocument(documentId, {
        size: 50_000,
        metadata: { chunkDocumentId: documentId, participants: [{ participantId: participant }] },
      });
      return documentId;
    };
    const victim = [document("v0", VICTIM), document("v1", VICTIM)];
    const forged = document("forged", ATTACKER);
    const foreign = document("foreign", ATTACKER);
    const same = { callId, recordingId, recordingStartTime, eventTime };

    // The victim's recording: its first event announces two chunks; only the first is archived yet.
    await pipeline.deliver(
      sim.recordingEvent({ ...same, chunks: victim.map((documentId) => ({ documentId, size: 50_000 })) }),
    );
    const [first, second] = await pipeline.drain();
    await pipeline.archive(first);
    // The forged events: same call, recording id and start; one from the victim's ACS resource, one from another.
    const forgedEvents = [
      sim.recordingEvent({ ...same, chunks: [{ documentId: forged, size: 50_000, index: 2 }] }),
      sim.recordingEvent({ ...same, topic: OTHER_RESOURCE, chunks: [{ documentId: foreign, size: 50_000, index: 3 }] }),
    ];
    await pipeline.deliver(...forgedEvents);
    // Not quarantined: queued like any chunk, and pending (marked) in the status API until archived.
    const joined = await pipeline.drain();
    expect(joined.map((message) => (message as { documentId: string }).documentId).sort()).toEqual(
      [foreign, forged].sort(),
    );
    // Their redelivery queues nothing again: the recording's queued records cover later events too.
    await pipeline.deliver(...forgedEvents);
    expect(await pipeline.drain()).toEqual([]);
    const pendingStatus = (await pipeline.status(callId)).json as StatusBody;
    expect(pendingStatus.recordings).toHaveLength(1);
    expect(chunkOf(pendingStatus, forged)).toMatchObject({
      state: "pending",
      intakeTrace: "laterEvent",
      anomalies: ["unannounced"],
    });
    expect(chunkOf(pendingStatus, foreign)).toMatchObject({
      state: "pending",
      intakeTrace: "otherResource",
      anomalies: ["unannounced"],
    });
    expect(
      pipeline.logs.some(
        (line) => line.level === "warning" && /1 of them from another ACS resource/.test(line.message),
      ),
    ).toBe(true);

    for (const message of [...joined, second]) await pipeline.archive(message);

    const status = (await pipeline.status(callId)).json as StatusBody;
    const recording = status.recordings[0];
    expect(recording).toMatchObject({ complete: true, expectedChunks: 4, unannouncedChunks: 2 });
    expect(chunkOf(status, victim[0]!)).toMatchObject({ state: "archived", intakeTrace: "announced" });
    expect(chunkOf(status, victim[0]!)?.anomalies).toBeUndefined();
    expect(chunkOf(status, victim[1]!)).toMatchObject({ state: "archived", intakeTrace: "announced" });
    expect(chunkOf(status, forged)).toMatchObject({ state: "archived", intakeTrace: "laterEvent" });
    expect(chunkOf(status, foreign)).toMatchObject({ state: "archived", intakeTrace: "otherResource" });

    const folder = recordingFolder(same);
    const manifest = await readManifest(pipeline.recordings, manifestName(folder));
    expect(manifest?.chunks.map((chunk) => [chunk.documentId, chunk.intakeTrace, chunk.anomalies]).sort()).toEqual(
      [
        [victim[0], "announced", undefined],
        [victim[1], "announced", undefined],
        [forged, "laterEvent", ["unannounced"]],
        [foreign, "otherResource", ["unannounced"]],
      ].sort(),
    );

    const table = await runCompiledCli(["status", "--call", callId], { env: settings });
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/2 chunk\(s\) NOT announced by the recording's first event/);
    expect(table.stdout.split("\n").find((line) => line.includes(forged))).toMatch(/archived\s+laterEvent/);
    expect(table.stdout.split("\n").find((line) => line.includes(foreign))).toMatch(/archived\s+otherResource/);
  });
});

interface StatusBody {
  recordings: {
    complete: boolean;
    expectedChunks: number;
    unannouncedChunks: number;
    chunks: { documentId: string; state: string; intakeTrace?: string; anomalies?: string[] }[];
  }[];
}

function chunkOf(
  status: StatusBody,
  documentId: string,
): StatusBody["recordings"][number]["chunks"][number] | undefined {
  return status.recordings.flatMap((recording) => recording.chunks).find((chunk) => chunk.documentId === documentId);
}
