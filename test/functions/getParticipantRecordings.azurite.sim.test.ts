import { createHmac } from "node:crypto";
import { HttpRequest, type HttpResponseInit } from "@azure/functions";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { parseConfig } from "../../src/config/appConfig";
import { readEnvelope } from "../../src/events/eventEnvelope";
import { chunkMessagesFromEvent } from "../../src/events/recordingEvent";
import { startAcsSimulator, type AcsSimulator } from "../../tools/acsSimulator";
import { findFunction, loadCompiledApp, type RegisteredFunction } from "../support/compiledApp";
import { capturingContext, uniqueName, type CapturedLog } from "../support/testSettings";

/** 32 random bytes, base64 (as `openssl rand -base64 32` writes them). */
const INDEX_KEY = "c09runDki7QvJgVZ4z3IHsX49jawl5t7pQKKxHgw48o=";
const PARTICIPANT = "8:acs:22222222-bbbb-4bbb-8bbb-000000000002_00000002-dana";

async function getParticipant(
  functions: readonly RegisteredFunction[],
  participantId: string,
  logs: CapturedLog[] = [],
): Promise<{ status: number; body: unknown }> {
  const request = new HttpRequest({
    method: "GET",
    url: `http://localhost:7071/api/archive/participants/${encodeURIComponent(participantId)}`,
    params: { participantId },
  });
  const { context, logs: captured } = capturingContext("getParticipantRecordings");
  const response = (await findFunction(functions, "getParticipantRecordings").handler(request, context)) as HttpResponseInit;
  logs.push(...captured);
  return { status: response.status ?? 200, body: response.jsonBody };
}

describe("GET /api/archive/participants/{participantId} on the compiled app (Azurite + simulator)", () => {
  let sim: AcsSimulator;
  let settings: Record<string, string>;

  beforeAll(async () => {
    sim = await startAcsSimulator();
    settings = {
      AzureWebJobsStorage: inject("azuriteConnectionString"),
      ACS_CONNECTION_STRING: sim.connectionString,
      ALLOWED_DOWNLOAD_HOSTS: sim.allowedHosts.join(","),
      RECORDINGS_CONTAINER: uniqueName("api"),
      CHUNK_QUEUE: uniqueName("api-chunks"),
      PARTICIPANT_INDEX_KEY: INDEX_KEY,
    };
  });
  afterAll(() => sim.close());

  it("registers an admin-level GET route, indexes through the queue function, and answers like find --json", async () => {
    const functions = loadCompiledApp(settings);
    const trigger = Object.values(findFunction(functions, "getParticipantRecordings").metadata.bindings).find((binding) => binding.direction === "in");
    expect(trigger).toMatchObject({ type: "httpTrigger", authLevel: "admin", route: "archive/participants/{participantId}", methods: ["GET"] });

    const documentId = `0-eus-d3-${uniqueName("api").replace(/-/g, "")}`;
    sim.addDocument(documentId, { size: 100_000, metadata: { participants: [{ participantId: PARTICIPANT }] } });
    const envelope = readEnvelope(sim.recordingEvent({ chunks: [{ documentId, size: 100_000 }] }));
    if (!envelope) throw new Error("no event");
    const [message] = chunkMessagesFromEvent(envelope, parseConfig(settings));
    const archive = capturingContext("archiveChunk");
    await findFunction(functions, "archiveChunk").handler(message, archive.context);

    const logs: CapturedLog[] = [];
    const answer = await getParticipant(functions, PARTICIPANT, logs);
    expect(answer.status).toBe(200);
    const body = answer.body as { participant: string; recordings: { complete: boolean; chunks: number; files: unknown[] }[]; totals: { recordings: number } };
    expect(body.participant).toBe(createHmac("sha256", INDEX_KEY).update(PARTICIPANT).digest("hex"));
    expect(body.totals.recordings).toBe(1);
    expect(body.recordings[0]).toMatchObject({ complete: true, chunks: 1 });
    expect(JSON.stringify(body)).not.toContain(PARTICIPANT);
    for (const line of [...logs, ...archive.logs]) expect(line.message).not.toContain(PARTICIPANT);

    const nobody = await getParticipant(functions, "8:acs:nobody");
    expect(nobody).toMatchObject({ status: 200, body: { recordings: [], totals: { recordings: 0 } } });
    expect((await getParticipant(functions, "\u0001bad")).status).toBe(400);
  });

  it("answers 503 naming PARTICIPANT_INDEX_KEY when the index is disabled (the app still starts)", async () => {
    const { PARTICIPANT_INDEX_KEY: _unused, ...withoutKey } = settings;
    const functions = loadCompiledApp(withoutKey);
    const answer = await getParticipant(functions, PARTICIPANT);
    expect(answer.status).toBe(503);
    expect(JSON.stringify(answer.body)).toContain("PARTICIPANT_INDEX_KEY");
  });
});
