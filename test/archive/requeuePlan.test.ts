import { describe, expect, it } from "vitest";
import { requeuePlan } from "../../src/pipeline/requeuePlan";
import type { ChunkMessage } from "../../src/queue/chunkMessage";

const NOW = new Date("2026-11-29T12:00:00.000Z");

function message(hoursLeft: number, redelivery?: number): ChunkMessage {
  return {
    version: 1,
    chunkKey: "resource|doc|0",
    resource: "resource",
    documentId: "doc",
    index: 0,
    eventId: "event",
    eventTime: NOW.toISOString(),
    deadline: new Date(NOW.getTime() + hoursLeft * 3_600_000).toISOString(),
    chunkCount: 1,
    ...(redelivery === undefined ? {} : { redelivery }),
  };
}

describe("requeuePlan", () => {
  it("waits 5 minutes first, doubling each time, at most an hour", () => {
    expect(requeuePlan(message(24), NOW)).toEqual({ redelivery: 1, delaySeconds: 300, worthIt: true });
    expect(requeuePlan(message(24, 1), NOW)).toEqual({ redelivery: 2, delaySeconds: 600, worthIt: true });
    expect(requeuePlan(message(24, 3), NOW).delaySeconds).toBe(2400);
    expect(requeuePlan(message(24, 4), NOW).delaySeconds).toBe(3600);
    expect(requeuePlan(message(24, 30), NOW).delaySeconds).toBe(3600);
  });

  it("never schedules past the deadline (a minute before it at the latest)", () => {
    expect(requeuePlan(message(0.25, 2), NOW)).toEqual({ redelivery: 3, delaySeconds: 840, worthIt: true });
  });

  it("keeps trying at and past the deadline, a minute apart at least, until a day after it (only a 404 says the file is gone)", () => {
    expect(requeuePlan(message(100 / 3600), NOW)).toMatchObject({ worthIt: true, delaySeconds: 60 });
    expect(requeuePlan(message(-1), NOW)).toMatchObject({ worthIt: true, delaySeconds: 300 });
    expect(requeuePlan(message(-23.95), NOW)).toMatchObject({ worthIt: false });
  });
});
