import { describe, expect, it } from "vitest";
import {
  callFolder,
  chunkBlobNames,
  compactUtc,
  manifestName,
  OPERATIONAL_PREFIXES,
  pathSegment,
  RECORDINGS_PREFIX,
  recordingFolder,
} from "../../src/layout/blobLayout";
import type { ChunkMessage } from "../../src/queue/chunkMessage";

function chunk(overrides: Partial<ChunkMessage> = {}): ChunkMessage {
  return {
    version: 1,
    chunkKey: "r|doc|0",
    resource: "r",
    documentId: "doc",
    index: 0,
    eventId: "e",
    eventTime: "2026-11-22T10:20:00Z",
    deadline: "2026-11-23T10:20:00Z",
    chunkCount: 1,
    callId: "call-1",
    recordingStartTime: "2026-11-22T10:15:00.123Z",
    ...overrides,
  };
}

describe("pathSegment", () => {
  it("keeps ordinary ids readable", () => {
    expect(pathSegment("0ea3a41c-4f5e-4a0b-9d1e-2b3c4d5e6f70")).toBe("0ea3a41c-4f5e-4a0b-9d1e-2b3c4d5e6f70");
    expect(pathSegment("a.b_c")).toBe("a.b_c");
  });

  it("escapes separators, the escape character, leading dots and control characters", () => {
    for (const hostile of ["/", "a/b", "..", ".", "~", "%2F", "?x#y", "a\u0000b", "\\", " ", "ü"]) {
      const segment = pathSegment(hostile);
      expect(segment).toMatch(/^[A-Za-z0-9_~-][A-Za-z0-9_.~-]*$/);
    }
    expect(pathSegment("")).toBe("~");
    expect(pathSegment("..")).toBe("~2E.");
  });

  it("is injective on ids that a lossy mapping would merge", () => {
    const ids = [
      "a/b",
      "a_b",
      "a?b",
      "a#b",
      "a%b",
      "a~b",
      "a~2Fb",
      "a%2Fb",
      "",
      "~",
      "_",
      ".x",
      "~2Ex",
      "x".repeat(500),
      `${"x".repeat(499)}y`,
    ];
    const segments = ids.map(pathSegment);
    expect(new Set(segments).size).toBe(ids.length);
  });

  it("bounds long ids and keeps them apart with a hash", () => {
    const long = pathSegment("/".repeat(1000));
    expect(long.length).toBeLessThanOrEqual(160);
    expect(long).toContain("~~");
    expect(pathSegment("/".repeat(1001))).not.toBe(long);
  });
});

describe("chunk blob names", () => {
  it("puts every event-derived name under calls/, away from operational prefixes", () => {
    const names = chunkBlobNames(chunk({ callId: "archive-failures", documentId: "../../archive-failures/x" }));
    for (const name of [names.media, names.metadata, names.folder]) {
      expect(name.startsWith(RECORDINGS_PREFIX)).toBe(true);
      for (const prefix of Object.values(OPERATIONAL_PREFIXES)) expect(name.startsWith(prefix)).toBe(false);
      expect(name.split("/").some((part) => part === ".." || part === ".")).toBe(false);
    }
    expect(names.media).toBe(`calls/archive-failures/20261122T101500123Z/0000-~2E.~2F..~2Farchive-failures~2Fx.mp4`);
  });

  it("keeps distinct recordings apart: milliseconds of the start and the recording id", () => {
    const a = recordingFolder(chunk({ recordingStartTime: "2026-11-22T10:15:00.123Z" }));
    const b = recordingFolder(chunk({ recordingStartTime: "2026-11-22T10:15:00.456Z" }));
    const c = recordingFolder(chunk({ recordingId: "rec-2" }));
    expect(new Set([a, b, c]).size).toBe(3);
    expect(c).toBe("calls/call-1/20261122T101500123Z-rec-2/");
    expect(callFolder("call-1")).toBe("calls/call-1/");
    expect(manifestName(c)).toBe("calls/call-1/20261122T101500123Z-rec-2/manifest.json");
  });

  it("stays under Blob Storage's 1,024-character limit whatever the ids", () => {
    const huge = "é/".repeat(2000);
    const names = chunkBlobNames(
      chunk({ callId: huge, recordingId: huge, documentId: huge, index: 99999, chunkCount: 100000 }),
    );
    expect(names.metadata.length).toBeLessThan(1024);
  });

  it("names times in UTC with milliseconds", () => {
    expect(compactUtc("2026-11-22T11:15:00+01:00")).toBe("20261122T101500000Z");
  });
});
