import { describe, expect, it } from "vitest";
import type { ParticipantLookup } from "../../src/app/services";
import { getParticipantRecordings } from "../../src/functions/getParticipantRecordings";
import type { ChunkSummary } from "../../src/participants/chunkInventory";
import { InvalidContinuationTokenError, ParticipantIndexKeyError } from "../../src/participants/participantErrors";
import type { ParticipantIndex } from "../../src/participants/participantIndex";
import type { SearchOptions, SearchPage } from "../../src/participants/participantSearch";
import { callHttp, fakeService, functionRequest, loggedText, notConfigured } from "../support/handlerHarness";

const PARTICIPANT = "8:acs:22222222-bbbb-4bbb-8bbb-000000000002_00000002-dana";
const CHUNK: ChunkSummary = {
  container: "recordings",
  folder: "call-1/rec-1",
  chunk: "0-doc-1",
  documentId: "doc-1",
  index: 0,
  store: "archive",
  files: [],
  bytes: 10,
};
const PAGE: SearchPage = { chunks: [CHUNK], skipped: [], legacyFolders: [], unsafeNames: [] };

interface Searches {
  readonly asked: { participantId: string; options: SearchOptions }[];
  flaggedReads: number;
}

function lookupOf(
  search: () => Promise<SearchPage>,
  flagged = 0,
): { lazy: () => ParticipantLookup | undefined; searches: Searches } {
  const searches: Searches = { asked: [], flaggedReads: 0 };
  const index = fakeService<ParticipantIndex>({
    flagged: () => {
      searches.flaggedReads += 1;
      return Promise.resolve({
        chunks: Array.from({ length: flagged }, (_, at) => ({ folder: `f${at}`, stem: `s${at}` })),
        truncated: false,
      });
    },
  });
  const lookup = fakeService<ParticipantLookup>({
    index,
    search: (participantId, options) => {
      searches.asked.push({ participantId, options });
      return search();
    },
  });
  return { lazy: () => lookup, searches };
}

function searchRequest(body: string, headers: Record<string, string> = { "content-type": "application/json" }) {
  return functionRequest({ method: "POST", path: "archive/participants/search", body, headers });
}

describe("getParticipantRecordings: POST /api/archive/participants/search", () => {
  it("200 with the first page, the flagged chunks counted, the participant id never logged", async () => {
    const { lazy, searches } = lookupOf(() => Promise.resolve(PAGE), 2);
    const answer = await callHttp(
      getParticipantRecordings(lazy),
      searchRequest(JSON.stringify({ participantId: PARTICIPANT })),
    );
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({
      matched: true,
      chunks: [CHUNK],
      flaggedChunks: 2,
      legacyEntries: 0,
      unsafeNames: 0,
    });
    expect(searches.asked).toEqual([{ participantId: PARTICIPANT, options: {} }]);
    expect(loggedText(answer.logs)).not.toContain("dana");
    expect(answer.text).not.toContain(PARTICIPANT);
  });

  it("hands on continuationToken and pageSize, and does not count flagged chunks on later pages", async () => {
    const { lazy, searches } = lookupOf(() => Promise.resolve({ ...PAGE, chunks: [], continuationToken: "next-2" }));
    const body = JSON.stringify({ participantId: PARTICIPANT, continuationToken: "next-1", pageSize: 20 });
    const answer = await callHttp(getParticipantRecordings(lazy), searchRequest(body));
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ matched: false, continuationToken: "next-2" });
    expect((answer.json as Record<string, unknown>)["flaggedChunks"]).toBeUndefined();
    expect(searches.asked[0]?.options).toEqual({ continuationToken: "next-1", pageSize: 20 });
    expect(searches.flaggedReads).toBe(0);
  });

  it.each([
    ["not JSON", "{", { code: "InvalidRequest", message: 'The body must be JSON: { "participantId": "…" }.' }],
    [
      "not an object",
      "[]",
      { code: "InvalidRequest", message: 'The body must be a JSON object: { "participantId": "…" }.' },
    ],
    [
      "without participantId",
      "{}",
      { code: "InvalidParticipantId", message: "participantId is required: a string.", target: "participantId" },
    ],
    [
      "with a blank participantId",
      '{"participantId":"  "}',
      { code: "InvalidParticipantId", message: "participantId is empty.", target: "participantId" },
    ],
    [
      "with a page size of 0",
      JSON.stringify({ participantId: PARTICIPANT, pageSize: 0 }),
      { code: "InvalidRequest", message: "pageSize must be a whole number from 1 to 200.", target: "pageSize" },
    ],
    [
      "with an empty continuationToken",
      JSON.stringify({ participantId: PARTICIPANT, continuationToken: "" }),
      {
        code: "InvalidRequest",
        message: "continuationToken must be the string a previous answer gave.",
        target: "continuationToken",
      },
    ],
  ])("400 for a body %s, before any search", async (_case, body, error) => {
    const { lazy, searches } = lookupOf(() => Promise.resolve(PAGE));
    const answer = await callHttp(getParticipantRecordings(lazy), searchRequest(body));
    expect(answer.status).toBe(400);
    expect(answer.json).toEqual({ error });
    expect(searches.asked).toEqual([]);
  });

  it("413 BodyTooLarge for a declared body over 8 KiB", async () => {
    const { lazy } = lookupOf(() => Promise.resolve(PAGE));
    const answer = await callHttp(
      getParticipantRecordings(lazy),
      searchRequest("{}", { "content-length": String(8 * 1024 + 1) }),
    );
    expect(answer.status).toBe(413);
    expect(answer.json).toEqual({ error: { code: "BodyTooLarge", message: "The body is larger than 8192 bytes." } });
  });

  it("400 InvalidContinuationToken, target continuationToken, for a token this index did not issue", async () => {
    const { lazy } = lookupOf(() =>
      Promise.reject(new InvalidContinuationTokenError("The continuationToken was not issued for this participant.")),
    );
    const answer = await callHttp(
      getParticipantRecordings(lazy),
      searchRequest(JSON.stringify({ participantId: PARTICIPANT, continuationToken: "forged" })),
    );
    expect(answer.status).toBe(400);
    expect(answer.json).toEqual({
      error: {
        code: "InvalidContinuationToken",
        message: "The continuationToken was not issued for this participant.",
        target: "continuationToken",
      },
    });
  });

  it("409 when PARTICIPANT_INDEX_KEY is not the index's key, logged as an error", async () => {
    const mismatch = new ParticipantIndexKeyError(
      "ParticipantIndexKeyMismatch",
      "PARTICIPANT_INDEX_KEY is not the key the index was built with.",
    );
    const { lazy } = lookupOf(() => Promise.reject(mismatch));
    const answer = await callHttp(
      getParticipantRecordings(lazy),
      searchRequest(JSON.stringify({ participantId: PARTICIPANT })),
    );
    expect(answer.status).toBe(409);
    expect(answer.json).toEqual({ error: { code: "ParticipantIndexKeyMismatch", message: mismatch.message } });
    expect(answer.logs.map((line) => line.level)).toContain("error");
  });

  it("503 ParticipantIndexDisabled while PARTICIPANT_INDEX_KEY is not set", async () => {
    const answer = await callHttp(
      getParticipantRecordings(() => undefined),
      searchRequest(JSON.stringify({ participantId: PARTICIPANT })),
    );
    expect(answer.status).toBe(503);
    expect(answer.json).toEqual({
      error: {
        code: "ParticipantIndexDisabled",
        message: "The participant index is disabled: set PARTICIPANT_INDEX_KEY.",
      },
    });
  });

  it("503 ConfigurationError with Retry-After 60 while a setting is bad", async () => {
    const answer = await callHttp(
      getParticipantRecordings(notConfigured<ParticipantLookup | undefined>("PARTICIPANT_INDEX_KEY")),
      searchRequest(JSON.stringify({ participantId: PARTICIPANT })),
    );
    expect(answer.status).toBe(503);
    expect(answer.headers.get("retry-after")).toBe("60");
    expect((answer.json as { error: { code: string } }).error.code).toBe("ConfigurationError");
  });

  it("503 StorageUnavailable with Retry-After 10 when the index cannot be read; no raw id in the log", async () => {
    const { lazy } = lookupOf(() => Promise.reject(new Error(`listing failed for ${PARTICIPANT.length} chars`)));
    const answer = await callHttp(
      getParticipantRecordings(lazy),
      searchRequest(JSON.stringify({ participantId: PARTICIPANT })),
    );
    expect(answer.status).toBe(503);
    expect(answer.headers.get("retry-after")).toBe("10");
    expect(answer.json).toEqual({
      error: {
        code: "StorageUnavailable",
        message: "The archive or the participant index could not be read; try again.",
      },
    });
    expect(loggedText(answer.logs)).not.toContain(PARTICIPANT);
  });
});
