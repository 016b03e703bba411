import { describe, expect, it } from "vitest";
import { participantLookupMoved } from "../../src/functions/participantLookupMoved";
import { httpAnswer } from "../support/functionInvoke";

describe("participantLookupMoved: GET /api/archive/participants/{participantId}, retired", () => {
  it("410 ParticipantLookupMoved pointing to POST /api/archive/participants/search, whatever the id", async () => {
    const answer = await httpAnswer(await participantLookupMoved());
    expect(answer.status).toBe(410);
    expect(answer.json).toEqual({
      error: {
        code: "ParticipantLookupMoved",
        message:
          'This route is retired: participant ids in URLs end up in request logs. Send POST /api/archive/participants/search with the JSON body { "participantId": "…" } instead.',
      },
    });
  });
});
