// Integration tier. Needs: Azurite.
import { BlobServiceClient, type ContainerClient } from "@azure/storage-blob";
import { describe, expect, inject, it } from "vitest";
import { OPERATIONAL_PREFIXES, recordingFolder } from "../../src/layout/blobLayout";
import { documentTombstoneName, ErasureTombstones, tombstoneName } from "../../src/catalog/erasureTombstones";
import { uniqueName } from "../support/testSettings";

const folder = recordingFolder({
  callId: "call/1",
  recordingId: "rec-1",
  recordingStartTime: "2026-11-22T10:15:00.123Z",
  eventTime: "2026-11-22T10:20:00Z",
});

const ENTRY = {
  recordingFolder: folder,
  documentId: "doc-a",
  erasedAt: "2026-12-02T08:00:00.000Z",
  receipt: "participant-erasures/r.json",
};

/** A container of its own and the tombstones in it. */
async function freshTombstones(): Promise<{ container: ContainerClient; tombstones: ErasureTombstones }> {
  const container = BlobServiceClient.fromConnectionString(inject("azuriteConnectionString")).getContainerClient(
    uniqueName("tombstones"),
  );
  await container.create();
  return { container, tombstones: new ErasureTombstones(container) };
}

describe("erasure tombstones", () => {
  it("are named by folder and escaped documentId under their own operational prefix, never under calls/", () => {
    expect(tombstoneName(folder, "doc/../x")).toBe(
      `${OPERATIONAL_PREFIXES.erased}call~2F1/20261122T101500123Z-rec-1/doc~2F..~2Fx.json`,
    );
    expect(tombstoneName(folder, "d").startsWith("calls/")).toBe(false);
  });

  it("are written once, found by one HEAD or one listing of the folder, and say nothing of other chunks or folders", async () => {
    const { container, tombstones } = await freshTombstones();
    const other = recordingFolder({
      callId: "call/1",
      recordingId: "rec-2",
      recordingStartTime: "2026-11-22T10:15:00.123Z",
      eventTime: "2026-11-22T10:20:00Z",
    });
    const entry = { ...ENTRY };

    expect(await tombstones.record(entry)).toBe(true);
    expect(await tombstones.record({ ...entry, erasedAt: "2026-12-03T08:00:00.000Z" })).toBe(false);
    expect(await tombstones.isErased(folder, "doc-a")).toBe(true);
    expect(await tombstones.isErased(folder, "doc-b")).toBe(false);

    const erased = await tombstones.erasedIn(folder);
    expect([erased.size, erased.truncated, erased.has("doc-a"), erased.has("doc-b")]).toEqual([1, false, true, false]);
    expect((await tombstones.erasedIn(other)).size).toBe(0);
    const body = JSON.parse(
      (await container.getBlobClient(tombstoneName(folder, "doc-a")).downloadToBuffer()).toString("utf8"),
    ) as unknown;
    expect(body).toEqual({ schemaVersion: 1, ...entry });
  });

  it("keep a document erased in any folder an event names it in: the other folder gets its own tombstone when asked", async () => {
    const { container, tombstones } = await freshTombstones();
    // The same recording with a start time one millisecond later: another folder.
    const other = recordingFolder({
      callId: "call/1",
      recordingId: "rec-1",
      recordingStartTime: "2026-11-22T10:15:00.124Z",
      eventTime: "2026-11-22T10:20:00Z",
    });
    const entry = { ...ENTRY };
    await tombstones.record(entry);
    expect(await container.getBlobClient(documentTombstoneName("doc-a")).exists()).toBe(true);
    expect(documentTombstoneName("doc-a").startsWith(`${OPERATIONAL_PREFIXES.erased}~documents/`)).toBe(true);

    expect((await tombstones.erasedIn(other)).has("doc-a")).toBe(false);
    expect(await tombstones.isErased(other, "doc-b")).toBe(false);
    expect(await tombstones.isErased(other, "doc-a")).toBe(true);
    // Now the other folder's listing (status, deadline watch, manifest) says so too.
    expect((await tombstones.erasedIn(other)).has("doc-a")).toBe(true);
    const copied = await tombstones.read(tombstoneName(other, "doc-a"));
    expect(copied).toMatchObject({
      recordingFolder: other,
      documentId: "doc-a",
      erasedAt: entry.erasedAt,
      receipt: entry.receipt,
    });
  });
});
