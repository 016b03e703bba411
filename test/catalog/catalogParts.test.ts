import { describe, expect, it } from "vitest";
import { archiveEventId, ARCHIVE_EVENT_TYPES, recordingSubject } from "../../src/catalog/archiveEvents";
import { catalogCallFolder, catalogFolder, expectedRecordName, recordingFolderOf } from "../../src/catalog/catalogLayout";
import { participantIdsOf } from "../../src/participants/metadataParticipants";
import { OPERATIONAL_PREFIXES, recordingFolder } from "../../src/archive/blobLayout";

describe("archive event ids and subjects", () => {
  it("are deterministic per type and identity, UUID-shaped, and differ across types and identities", () => {
    const id = archiveEventId(ARCHIVE_EVENT_TYPES.recordingArchived, "calls/a/b/");
    expect(id).toBe(archiveEventId(ARCHIVE_EVENT_TYPES.recordingArchived, "calls/a/b/"));
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(archiveEventId(ARCHIVE_EVENT_TYPES.chunkArchiveFailed, "calls/a/b/")).not.toBe(id);
    expect(archiveEventId(ARCHIVE_EVENT_TYPES.recordingArchived, "calls/a/c/")).not.toBe(id);
  });

  it("name the call (escaped as in blob names) and the recording start", () => {
    expect(recordingSubject({ callId: "a/b", eventTime: "2026-01-01T00:00:00.000Z", recordingStartTime: "2025-12-31T23:00:00.000Z" })).toBe(
      "recordings/a~2Fb/2025-12-31T23:00:00.000Z",
    );
    expect(recordingSubject({ serverCallId: "srv", eventTime: "2026-01-01T00:00:00.000Z" })).toBe("recordings/srv/2026-01-01T00:00:00.000Z");
  });
});

describe("the catalog's names", () => {
  it("mirror a recording's folder under the operational prefix, never under calls/", () => {
    const folder = recordingFolder({ callId: "call/1", recordingId: "r", recordingStartTime: "2026-11-22T10:15:00.123Z", eventTime: "2026-11-22T10:20:00Z" });
    expect(catalogFolder(folder)).toBe(`${OPERATIONAL_PREFIXES.catalog}call~2F1/20261122T101500123Z-r/`);
    expect(expectedRecordName(folder).startsWith("calls/")).toBe(false);
    expect(recordingFolderOf(expectedRecordName(folder))).toBe(folder);
    expect(recordingFolderOf(catalogFolder(folder))).toBe(folder);
    expect(catalogCallFolder("call/1")).toBe(`${OPERATIONAL_PREFIXES.catalog}call~2F1/`);
    expect(recordingFolderOf("calls/x/y/")).toBeUndefined();
  });
});

describe("participantIdsOf (metadata documents, read tolerantly)", () => {
  it("reads participants[].participantId in its casing variants and plain strings", () => {
    const document = { participants: [{ participantId: "8:acs:a" }, { participantID: "8:acs:b" }, "8:acs:c", { channel: 1 }, { participantId: 7 }, null] };
    expect(participantIdsOf(Buffer.from(JSON.stringify(document)))).toEqual(["8:acs:a", "8:acs:b", "8:acs:c"]);
    expect(participantIdsOf(Buffer.from(`\uFEFF${JSON.stringify({ Participants: [{ participantid: "x" }] })}`))).toEqual(["x"]);
  });

  it("gives none for what is not a metadata document", () => {
    for (const text of ["not json", "[]", "{}", '{"participants": "x"}', "null"]) expect(participantIdsOf(Buffer.from(text))).toEqual([]);
  });
});
