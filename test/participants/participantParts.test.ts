import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ContainerClient } from "@azure/storage-blob";
import { describe, expect, it } from "vitest";
import { parseParticipantsArgs } from "../../src/cli/participantsArgs";
import { UsageError } from "../../src/cli/usageError";
import { openMarker, sealMarker } from "../../src/participants/continuationToken";
import { exportTarget } from "../../src/participants/exportPaths";
import { entryName, parseEntryTail } from "../../src/participants/indexLayout";
import { blobNameProblem, exactBlobClient } from "../../src/participants/listedNames";
import { participantIdsOf } from "../../src/layout/metadataDocument";
import { MAX_PARTICIPANTS_PER_DOCUMENT, readParticipants } from "../../src/participants/metadataParticipants";
import { InvalidContinuationTokenError, UnsafeBlobNameError } from "../../src/participants/participantErrors";
import { indexKeyFingerprint, normaliseParticipantId, participantKey } from "../../src/participants/participantKey";

describe("participant ids: one spelling at index and lookup time", () => {
  it("trims, and writes 4: phone ids in canonical E.164", () => {
    expect(normaliseParticipantId("4:+1 (425) 555-0123")).toBe("4:+14255550123");
    expect(normaliseParticipantId("  4:+14255550123\t")).toBe("4:+14255550123");
    expect(normaliseParticipantId("4:0044 20 7946 0000")).toBe("4:+442079460000");
    expect(normaliseParticipantId("4:14255550123")).toBe("4:+14255550123");
    expect(normaliseParticipantId("4:+1.425.555.0123")).toBe("4:+14255550123");
    // Not a number E.164 allows: kept as written (trimmed), found by the same spelling.
    expect(normaliseParticipantId("4:+0123")).toBe("4:+0123");
    expect(normaliseParticipantId("4:anonymous")).toBe("4:anonymous");
    // Other kinds are exact (case included).
    expect(normaliseParticipantId(" 8:acs:ABC_def ")).toBe("8:acs:ABC_def");
  });

  it("keys the normalised id, and fingerprints a key without revealing it", () => {
    const key = randomBytes(32).toString("base64");
    expect(participantKey(key, "4:+1 425 555 0123")).toBe(participantKey(key, "4:+14255550123"));
    expect(participantKey(key, "8:acs:a")).not.toBe(participantKey(key, "8:acs:A"));
    expect(indexKeyFingerprint(key)).toMatch(/^[0-9a-f]{64}$/);
    expect(indexKeyFingerprint(key)).not.toBe(indexKeyFingerprint(randomBytes(32).toString("base64")));
    expect(indexKeyFingerprint(key)).not.toContain(Buffer.from(key, "base64").toString("hex").slice(0, 16));
  });

  it("reads a metadata document's participants: normalised, capped, and says when it cannot", () => {
    const many = {
      participants: Array.from({ length: MAX_PARTICIPANTS_PER_DOCUMENT + 5 }, (_, n) => ({
        participantId: `8:acs:${n}`,
      })),
    };
    const read = readParticipants(Buffer.from(JSON.stringify(many)));
    expect(read).toMatchObject({ kind: "listed", overflow: 5 });
    expect(read.kind === "listed" ? read.ids.length : 0).toBe(MAX_PARTICIPANTS_PER_DOCUMENT);
    expect(readParticipants(Buffer.from("{ not json"))).toEqual({ kind: "invalidJson" });
    expect(readParticipants(Buffer.from('{"chunkDocumentId":"x"}'))).toEqual({ kind: "noParticipantList" });
    expect(
      readParticipants(Buffer.from('{"Participants":[{"participantid":" 4:+1 (425) 555-0123 "},"4:+14255550123"]}')),
    ).toEqual({
      kind: "listed",
      ids: ["4:+14255550123"],
      overflow: 0,
    });
    // The manifest keeps ids as ACS wrote them.
    expect(participantIdsOf(Buffer.from('{"participants":[{"participantId":"4:+1 425 555 0123"}]}'))).toEqual([
      "4:+1 425 555 0123",
    ]);
  });
});

describe("listed names are data, not paths", () => {
  const container = new ContainerClient("http://127.0.0.1:10000/devstoreaccount1/recordings");

  it("refuses dot segments, empty segments and backslashes", () => {
    for (const name of ["calls/a/../b", "calls/a/./b", "calls//b", "calls/a\\..\\b", "..", "calls/a/b/"])
      expect(blobNameProblem(name), name).toBeDefined();
    for (const name of ["calls/a/b/0000-x.mp4", "calls/a/b/0000-..x.mp4", "calls/a/b/%2e%2e"])
      expect(blobNameProblem(name), name).toBeUndefined();
  });

  it("addresses exactly the named blob, inside its folder, or nothing", () => {
    expect(exactBlobClient(container, "calls/a/b/0000-x.mp4", "calls/a/b/").name).toBe("calls/a/b/0000-x.mp4");
    expect(() => exactBlobClient(container, "calls/a/b/../../../../other/keep.json")).toThrow(UnsafeBlobNameError);
    expect(() => exactBlobClient(container, "calls/x/y/0000-x.mp4", "calls/a/b/")).toThrow(/is outside calls\/a\/b\//);
  });

  it("keeps every export target inside the export directory, by POSIX and Windows rules alike", () => {
    const directory = join(tmpdir(), "export-here");
    expect(exportTarget(directory, "call/rec/0000-x.mp4")).toBe(join(directory, "call", "rec", "0000-x.mp4"));
    for (const name of [
      "../outside.txt",
      "call/../../outside",
      "call\\..\\..\\Users\\Public\\evil.txt",
      "C:/evil",
      "call/rec/a:stream",
      "call//x",
      "/etc/passwd",
    ])
      expect(() => exportTarget(directory, name), name).toThrow(UnsafeBlobNameError);
  });

  it("parses index entry names: per chunk, per recording (older version), or unusable", () => {
    const key = "a".repeat(64);
    const ref = { folder: "calls/call-1/20261201T100000000Z-rec/", stem: "0003-doc" };
    const name = entryName(key, "recordings", ref);
    expect(name).toBe(`participants/${key}/recordings/call-1/20261201T100000000Z-rec/0003-doc.json`);
    expect(parseEntryTail("call-1/20261201T100000000Z-rec/0003-doc.json")).toEqual({ kind: "chunk", ref });
    expect(parseEntryTail("call-1/20261201T100000000Z-rec.json")).toEqual({
      kind: "legacy",
      folder: "calls/call-1/20261201T100000000Z-rec/",
    });
    for (const tail of [
      "call-1/../0003-doc.json",
      "../../x/0003-doc.json",
      "a/b/c/d.json",
      "call-1/rec/notachunk.json",
    ])
      expect(parseEntryTail(tail).kind, tail).toBe("unusable");
  });
});

describe("continuation tokens", () => {
  it("hide the marker and open only for the participant and key they were issued for", () => {
    const key = randomBytes(32).toString("base64");
    const marker = "2!96!MDAwMDI0IXBhcnRpY2lwYW50cy9hYmMvcmVjb3JkaW5ncy9jYWxs";
    const token = sealMarker(key, "recordings\nalice", marker);
    expect(token).not.toContain(marker);
    expect(openMarker(key, "recordings\nalice", token)).toBe(marker);
    expect(() => openMarker(key, "recordings\nbob", token)).toThrow(InvalidContinuationTokenError);
    expect(() => openMarker(randomBytes(32).toString("base64"), "recordings\nalice", token)).toThrow(
      InvalidContinuationTokenError,
    );
    expect(() => openMarker(key, "recordings\nalice", "not-a-token")).toThrow(InvalidContinuationTokenError);
  });
});

describe("participants erase arguments", () => {
  it("--include-shared is its own switch; --yes alone does not imply it", () => {
    expect(parseParticipantsArgs(["erase", "8:acs:x", "--yes"])).toMatchObject({
      kind: "erase",
      yes: true,
      includeShared: false,
    });
    expect(
      parseParticipantsArgs(["erase", "8:acs:x", "--yes", "--include-shared", "--version-lifecycle-days", "30"]),
    ).toMatchObject({
      includeShared: true,
      versionLifecycleDays: 30,
    });
    expect(parseParticipantsArgs(["reindex", "--rotate-key"])).toMatchObject({ kind: "reindex", rotateKey: true });
    expect(() => parseParticipantsArgs(["find", "8:acs:x", "--include-shared"])).toThrow(UsageError);
    expect(() => parseParticipantsArgs(["erase", "8:acs:x", "--version-lifecycle-days", "soon"])).toThrow(
      /whole number/,
    );
  });
});
