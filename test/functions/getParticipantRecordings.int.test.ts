// Integration tier. Needs: Azurite, the ACS simulator, dist/.
import { createHmac, randomBytes } from "node:crypto";
import { HttpRequest } from "@azure/functions";
import { BlobServiceClient } from "@azure/storage-blob";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { parseConfig } from "../../src/config/appConfig";
import { readEnvelope } from "../../src/events/eventEnvelope";
import { chunkMessagesFromEvent } from "../../src/events/recordingEvent";
import { PARTICIPANT_INDEX_CONTAINER } from "../../src/participants/indexLayout";
import { ParticipantIndex } from "../../src/participants/participantIndex";
import { mapConcurrent } from "../../src/shared/mapConcurrent";
import { startAcsSimulator, type AcsSimulator } from "../../tools/acsSimulator";
import { findFunction, loadCompiledApp, type RegisteredFunction } from "../support/compiledApp";
import { invokeHttp, type HttpAnswer } from "../support/functionInvoke";
import { capturingContext, uniqueName, type CapturedLog, simSettings } from "../support/testSettings";

const PARTICIPANT = "8:acs:22222222-bbbb-4bbb-8bbb-000000000002_00000002-dana";
const PHONE = "4:+14255550123";

interface SearchAnswer {
  matched: boolean;
  message: string;
  chunks: { folder: string; chunk: string; documentId: string; files: { kind: string }[] }[];
  continuationToken?: string;
  flaggedChunks?: number;
}

async function post(
  functions: readonly RegisteredFunction[],
  body: unknown,
  logs: CapturedLog[] = [],
): Promise<HttpAnswer> {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  const request = new HttpRequest({
    method: "POST",
    url: "http://localhost:7071/api/archive/participants/search",
    headers: { "content-type": "application/json", "content-length": String(Buffer.byteLength(text)) },
    body: { bytes: Buffer.from(text) },
  });
  const { context, logs: captured } = capturingContext("getParticipantRecordings");
  const answer = await invokeHttp(findFunction(functions, "getParticipantRecordings"), request, context);
  logs.push(...captured);
  return answer;
}

describe("POST /api/archive/participants/search on the compiled app (Azurite + simulator)", () => {
  let sim: AcsSimulator;
  let settings: Record<string, string>;
  let key: string;

  beforeAll(async () => {
    sim = await startAcsSimulator();
    key = randomBytes(32).toString("base64");
    settings = simSettings(sim, {
      RECORDINGS_CONTAINER: uniqueName("api"),
      CHUNK_QUEUE: uniqueName("api-chunks"),
      PARTICIPANT_INDEX_KEY: key,
    });
  });
  afterAll(() => sim.close());

  it("takes the id in the body only, indexes through the queue function, answers without the keyed hash, and says when nothing matched", async () => {
    const functions = loadCompiledApp(settings);
    const trigger = Object.values(findFunction(functions, "getParticipantRecordings").metadata.bindings).find(
      (binding) => binding.direction === "in",
    );
    expect(trigger).toMatchObject({
      type: "httpTrigger",
      authLevel: "admin",
      route: "archive/participants/search",
      methods: ["POST"],
    });

    const documentId = `0-eus-d3-${uniqueName("api").replace(/-/g, "")}`;
    sim.addDocument(documentId, {
      size: 100_000,
      metadata: { participants: [{ participantId: PARTICIPANT }, { participantId: "4:+1 (425) 555-0123" }] },
    });
    const envelope = readEnvelope(sim.recordingEvent({ chunks: [{ documentId, size: 100_000 }] }));
    if (!envelope) throw new Error("no event");
    const [message] = chunkMessagesFromEvent(envelope, parseConfig(settings));
    const archive = capturingContext("archiveChunk");
    await findFunction(functions, "archiveChunk").handler(message, archive.context);

    const logs: CapturedLog[] = [];
    const answer = await post(functions, { participantId: PARTICIPANT }, logs);
    expect(answer.status, answer.text).toBe(200);
    const body = answer.json as SearchAnswer;
    expect(body).toMatchObject({ matched: true, flaggedChunks: 0 });
    expect(body.message).toBe("1 archived chunk(s) on this page list this participant.");
    expect(body.chunks).toHaveLength(1);
    expect(body.chunks[0]).toMatchObject({ documentId, index: 0 });
    expect(body.continuationToken).toBeUndefined();
    expect(answer.text).not.toContain(PARTICIPANT);
    expect(answer.text).not.toContain(createHmac("sha256", key).update(PARTICIPANT).digest("hex"));
    for (const line of [...logs, ...archive.logs]) expect(line.message).not.toContain(PARTICIPANT);

    // A phone number is found in any spelling: indexed and looked up as canonical E.164.
    for (const spelling of [PHONE, " 4:+1 425 555 0123 ", "4:0014255550123"]) {
      const phone = await post(functions, { participantId: spelling });
      expect(
        (phone.json as SearchAnswer).chunks.map((chunk) => chunk.documentId),
        spelling,
      ).toEqual([documentId]);
    }

    const nobody = await post(functions, { participantId: "8:acs:nobody" });
    expect(nobody.status).toBe(200);
    expect(nobody.json).toMatchObject({
      matched: false,
      chunks: [],
      message: "No archived chunk lists this participant.",
    });
  });

  it("refuses ids anywhere but a JSON body, and the old GET route answers 410 pointing to the POST", async () => {
    const functions = loadCompiledApp(settings);
    const cases: [unknown, number, string][] = [
      ["not json", 400, "InvalidRequest"],
      [["a"], 400, "InvalidRequest"],
      [{}, 400, "InvalidParticipantId"],
      [{ participantId: "\u0001bad" }, 400, "InvalidParticipantId"],
      [{ participantId: PARTICIPANT, pageSize: 0 }, 400, "InvalidRequest"],
      [{ participantId: PARTICIPANT, continuationToken: "forged" }, 400, "InvalidContinuationToken"],
      [{ participantId: "x".repeat(9_000) }, 413, "BodyTooLarge"],
    ];
    for (const [body, status, code] of cases) {
      const answer = await post(functions, body);
      expect(answer.status, JSON.stringify(body).slice(0, 40)).toBe(status);
      expect(answer.json).toMatchObject({ error: { code } });
    }
    const moved = findFunction(functions, "participantLookupMoved");
    expect(Object.values(moved.metadata.bindings).find((binding) => binding.direction === "in")).toMatchObject({
      route: "archive/participants/{participantId}",
      methods: ["GET"],
    });
    const old = await invokeHttp(
      moved,
      new HttpRequest({
        method: "GET",
        url: `http://localhost:7071/api/archive/participants/${encodeURIComponent(PARTICIPANT)}`,
        params: { participantId: PARTICIPANT },
      }),
      capturingContext("participantLookupMoved").context,
    );
    expect(old.status).toBe(410);
    expect(old.json).toMatchObject({ error: { code: "ParticipantLookupMoved" } });
    expect(old.text).toContain("POST /api/archive/participants/search");
    expect(old.text).not.toContain(PARTICIPANT);
  });

  it("pages a participant in thousands of chunks: each page bounded, every chunk exactly once, tokens bound to the participant", async () => {
    const busy = { ...settings, RECORDINGS_CONTAINER: uniqueName("api-paging") };
    const blobs = BlobServiceClient.fromConnectionString(inject("azuriteConnectionString"));
    const recordings = blobs.getContainerClient(busy.RECORDINGS_CONTAINER);
    await recordings.create();
    const index = new ParticipantIndex(
      blobs.getContainerClient(PARTICIPANT_INDEX_CONTAINER),
      key,
      recordings.containerName,
    );
    // A contact-centre agent: 1,200 chunks over 24 recordings, each chunk's metadata listing them (and a caller).
    const CHUNKS = 1_200;
    const refs = Array.from({ length: CHUNKS }, (_, position) => ({
      folder: `calls/agent-call-${String(Math.floor(position / 50)).padStart(3, "0")}/20261201T100000000Z-rec/`,
      stem: `${String(position % 50).padStart(4, "0")}-doc${position}`,
    }));
    const log = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
    const written = await mapConcurrent(refs, 16, async (ref, position) => {
      const body = JSON.stringify({
        participants: [
          { participantId: PARTICIPANT },
          { participantId: `4:+1425555${String(position).padStart(4, "0")}` },
        ],
      });
      await recordings
        .getBlockBlobClient(`${ref.folder}${ref.stem}.metadata.json`)
        .upload(body, Buffer.byteLength(body), { metadata: { documentid: `doc${position}` } });
      await index.indexChunk(recordings, ref, {
        source: "archive",
        log,
        documentId: `doc${position}`,
        recordKey: "archive",
      });
    });
    expect(written.filter((result) => result.status === "rejected")).toEqual([]);

    const functions = loadCompiledApp(busy);
    const seen = new Set<string>();
    let token: string | undefined;
    let pages = 0;
    do {
      const answer = await post(functions, {
        participantId: PARTICIPANT,
        pageSize: 100,
        ...(token ? { continuationToken: token } : {}),
      });
      expect(answer.status, answer.text).toBe(200);
      const body = answer.json as SearchAnswer;
      expect(body.chunks.length).toBeLessThanOrEqual(100);
      for (const chunk of body.chunks) {
        expect(seen.has(chunk.documentId)).toBe(false);
        seen.add(chunk.documentId);
      }
      token = body.continuationToken;
      if (token) {
        // The token reveals nothing (no keyed hash, no blob name) and opens for this participant only.
        expect(Buffer.from(token, "base64url").toString("latin1")).not.toMatch(/participants\/|agent-call/);
        expect(token).not.toContain(createHmac("sha256", key).update(PARTICIPANT).digest("hex"));
        const stolen = await post(functions, { participantId: PHONE, continuationToken: token });
        expect(stolen.status).toBe(400);
      }
      pages += 1;
    } while (token && pages < 100);
    expect(seen.size).toBe(CHUNKS);
    expect(pages).toBe(Math.ceil(CHUNKS / 100));
  }, 300_000);

  it("answers 503 naming PARTICIPANT_INDEX_KEY when the index is disabled (the app still starts)", async () => {
    const { PARTICIPANT_INDEX_KEY: _unused, ...withoutKey } = settings;
    const functions = loadCompiledApp(withoutKey);
    const answer = await post(functions, { participantId: PARTICIPANT });
    expect(answer.status).toBe(503);
    expect(answer.text).toContain("PARTICIPANT_INDEX_KEY");
  });
});
