import { describe, expect, it } from "vitest";
import { archiveEventId, ARCHIVE_EVENT_TYPES, inLastQuarter, recordingSubject } from "../../src/catalog/archiveEvents";
import {
  deadlineHour,
  deadlineHoursBetween,
  deadlineMarkerName,
  deadlineMarkers,
  recordingFolderOfMarker,
} from "../../src/catalog/deadlineMarkers";
import {
  catalogCallFolder,
  catalogFolder,
  expectedRecordName,
  recordingFolderOf,
} from "../../src/layout/catalogLayout";
import { participantIdsOf } from "../../src/layout/metadataDocument";
import { OPERATIONAL_PREFIXES, recordingFolder } from "../../src/layout/blobLayout";
import type { ExpectedRecording } from "../../src/catalog/expectedRecords";
import { coversEvent, intakeTraceOf, laterTraceName } from "../../src/catalog/intakeTraces";

describe("archive event ids and subjects", () => {
  it("are deterministic per type and identity, UUID-shaped, and differ across types and identities", () => {
    const id = archiveEventId(ARCHIVE_EVENT_TYPES.recordingArchived, "calls/a/b/");
    expect(id).toBe(archiveEventId(ARCHIVE_EVENT_TYPES.recordingArchived, "calls/a/b/"));
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(archiveEventId(ARCHIVE_EVENT_TYPES.chunkArchiveFailed, "calls/a/b/")).not.toBe(id);
    expect(archiveEventId(ARCHIVE_EVENT_TYPES.recordingArchived, "calls/a/c/")).not.toBe(id);
  });

  it("name the call (escaped as in blob names) and the recording start", () => {
    expect(
      recordingSubject({
        callId: "a/b",
        eventTime: "2026-01-01T00:00:00.000Z",
        recordingStartTime: "2025-12-31T23:00:00.000Z",
      }),
    ).toBe("recordings/a~2Fb/2025-12-31T23:00:00.000Z");
    expect(recordingSubject({ serverCallId: "srv", eventTime: "2026-01-01T00:00:00.000Z" })).toBe(
      "recordings/srv/2026-01-01T00:00:00.000Z",
    );
  });
});

describe("the catalog's names", () => {
  it("mirror a recording's folder under the operational prefix, never under calls/", () => {
    const folder = recordingFolder({
      callId: "call/1",
      recordingId: "r",
      recordingStartTime: "2026-11-22T10:15:00.123Z",
      eventTime: "2026-11-22T10:20:00Z",
    });
    expect(catalogFolder(folder)).toBe(`${OPERATIONAL_PREFIXES.catalog}call~2F1/20261122T101500123Z-r/`);
    expect(expectedRecordName(folder).startsWith("calls/")).toBe(false);
    expect(recordingFolderOf(expectedRecordName(folder))).toBe(folder);
    expect(recordingFolderOf(catalogFolder(folder))).toBe(folder);
    expect(catalogCallFolder("call/1")).toBe(`${OPERATIONAL_PREFIXES.catalog}call~2F1/`);
    expect(recordingFolderOf("calls/x/y/")).toBeUndefined();
  });
});

describe("deadline markers and the last quarter of a window", () => {
  const folder = recordingFolder({
    callId: "call/1",
    recordingId: "r",
    recordingStartTime: "2026-11-22T10:15:00.123Z",
    eventTime: "2026-11-22T10:20:00Z",
  });

  it("name a recording under its deadline hour, outside calls/ and archive-catalog/, and read back to its folder", () => {
    expect(deadlineHour("2026-11-23T10:20:00.000Z")).toBe("20261123T10");
    expect(deadlineHour("not a time")).toBeUndefined();
    const name = deadlineMarkerName("20261123T10", folder);
    expect(name).toBe(`${OPERATIONAL_PREFIXES.deadlines}20261123T10/call~2F1/20261122T101500123Z-r.json`);
    expect(recordingFolderOfMarker(name)).toBe(folder);
    expect(recordingFolderOfMarker(`${OPERATIONAL_PREFIXES.deadlines}20261123T10/x.json`)).toBeUndefined();
    expect(recordingFolderOfMarker(expectedRecordName(folder))).toBeUndefined();
  });

  it("give one marker per distinct deadline hour of a recording's chunks", () => {
    const markers = deadlineMarkers(folder, [
      { deadline: "2026-11-23T10:20:00.000Z" },
      { deadline: "2026-11-23T10:50:00.000Z" },
      { deadline: "2026-11-23T11:05:00.000Z" },
    ]);
    expect(markers.map((marker) => marker.name)).toEqual([
      deadlineMarkerName("20261123T10", folder),
      deadlineMarkerName("20261123T11", folder),
    ]);
    expect(JSON.parse(markers[0]!.text)).toEqual({
      schemaVersion: 1,
      recordingFolder: folder,
      deadline: "2026-11-23T10:20:00.000Z",
    });
  });

  it("list the hours between two times, both ends included", () => {
    expect(deadlineHoursBetween(new Date("2026-11-23T22:59:59Z"), new Date("2026-11-24T01:00:00Z"))).toEqual([
      "20261123T22",
      "20261123T23",
      "20261124T00",
      "20261124T01",
    ]);
  });

  it("inLastQuarter: a quarter of deadline − eventTime or less left", () => {
    const eventTime = "2026-11-22T00:00:00.000Z";
    const deadline = "2026-11-23T00:00:00.000Z";
    expect(inLastQuarter(deadline, eventTime, new Date("2026-11-22T17:59:59Z"))).toBe(false);
    expect(inLastQuarter(deadline, eventTime, new Date("2026-11-22T18:00:00Z"))).toBe(true);
    expect(inLastQuarter(deadline, "", new Date("2026-11-22T23:00:00Z"))).toBe(false);
  });
});

describe("participantIdsOf (metadata documents, read tolerantly)", () => {
  it("reads participants[].participantId in its casing variants and plain strings", () => {
    const document = {
      participants: [
        { participantId: "8:acs:a" },
        { participantID: "8:acs:b" },
        "8:acs:c",
        { channel: 1 },
        { participantId: 7 },
        null,
      ],
    };
    expect(participantIdsOf(Buffer.from(JSON.stringify(document)))).toEqual(["8:acs:a", "8:acs:b", "8:acs:c"]);
    expect(
      participantIdsOf(Buffer.from(`\uFEFF${JSON.stringify({ Participants: [{ participantid: "x" }] })}`)),
    ).toEqual(["x"]);
  });

  it("gives none for what is not a metadata document", () => {
    for (const text of ["not json", "[]", "{}", '{"participants": "x"}', "null"])
      expect(participantIdsOf(Buffer.from(text))).toEqual([]);
  });
});

describe("intake traces: how a chunk joined its recording's folder", () => {
  const trace = (eventId: string, acsResource: string | null, documents: string[]): ExpectedRecording => ({
    schemaVersion: 1,
    recordingFolder: "calls/c/r/",
    eventId,
    callId: "c",
    serverCallId: null,
    recordingId: "r",
    acsResource,
    recordingStartTime: null,
    recordingDurationMs: null,
    contentType: null,
    channelType: null,
    formatType: null,
    chunkCount: documents.length,
    chunks: documents.map((documentId, index) => ({
      index,
      documentId,
      deadline: "",
      eventTime: "",
      mediaBlob: "",
      metadataBlob: "",
    })),
  });
  const first = trace("e1", "/acs/a", ["d0", "d1"]);
  const traces = { first, later: [trace("e2", "/acs/a", ["d2"]), trace("e3", "/acs/b", ["d3"])], truncated: false };

  it("marks what the first event did not announce, from the same resource or another, and what no trace names", () => {
    expect(intakeTraceOf("d0", undefined, traces)).toBe("announced");
    expect(intakeTraceOf("d0", "/acs/a", traces)).toBe("announced");
    // Archived blobs that record another resource than the first event's: whatever the traces say.
    expect(intakeTraceOf("d0", "/acs/b", traces)).toBe("otherResource");
    expect(intakeTraceOf("d2", undefined, traces)).toBe("laterEvent");
    expect(intakeTraceOf("d3", undefined, traces)).toBe("otherResource");
    expect(intakeTraceOf("d9", "/acs/a", traces)).toBe("none");
    // A recording without a first trace (archived before intake kept one): nothing to compare against.
    expect(intakeTraceOf("d0", "/acs/a", { later: [], truncated: false })).toBeUndefined();
  });

  it("names a later trace by its event and chunks (a redelivery writes the same blob), and knows a redelivered first event", () => {
    expect(laterTraceName("calls/c/r/", trace("e2", "/acs/a", ["d2", "d3"]))).toBe(
      laterTraceName("calls/c/r/", trace("e2", "/acs/a", ["d3", "d2"])),
    );
    expect(laterTraceName("calls/c/r/", trace("e2", "/acs/a", ["d2"]))).not.toBe(
      laterTraceName("calls/c/r/", trace("e2", "/acs/b", ["d2"])),
    );
    expect(laterTraceName("calls/c/r/", first).startsWith(`${OPERATIONAL_PREFIXES.catalog}c/r/traces/`)).toBe(true);
    expect(coversEvent(first, trace("e1", "/acs/a", ["d1"]))).toBe(true);
    expect(coversEvent(first, trace("e1", "/acs/b", ["d1"]))).toBe(false);
    expect(coversEvent(first, trace("e1", "/acs/a", ["d1", "d7"]))).toBe(false);
  });
});
