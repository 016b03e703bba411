// Integration tier. Needs: Azurite, the ACS simulator.
import { createHash } from "node:crypto";
import { describe, expect, inject, it } from "vitest";
import { type FaultSpec, type SimDocumentOptions } from "../../tools/acsSimulator";
import { archiveHarness, listBlobs, type ArchiveHarness } from "../support/archiveHarness";
import { capturingContext } from "../support/testSettings";
import { useAcsSimulator } from "../support/useAcsSimulator";

// "A chunk is committed only when its whole length is known and received": servers that
// cannot prove a body complete, sizes that change, hashes that lie, and retries after the last byte.

const sim = useAcsSimulator();

const BLOCK = 256 * 1024;
const LAST_DELIVERY = { dequeueCount: 5, maxDequeueCount: 5 };

function setUp(
  documentId: string,
  options: SimDocumentOptions,
  deleteAfterArchive = false,
): { harness: ArchiveHarness; message: NonNullable<ReturnType<ArchiveHarness["messagesFor"]>[number]> } {
  const harness = archiveHarness(sim, inject("azuriteConnectionString"), {
    blockSize: BLOCK,
    concurrency: 3,
    deleteAfterArchive,
  });
  sim.addDocument(documentId, options);
  const [message] = harness.messagesFor({ callId: `call-${documentId}`, chunks: [{ documentId, size: options.size }] });
  return { harness, message: message! };
}

async function mediaBlobs(harness: ArchiveHarness): Promise<string[]> {
  return (await listBlobs(harness.container, "calls/")).filter((name) => !name.endsWith(".metadata.json"));
}

async function expectIntact(harness: ArchiveHarness, documentId: string, size: number): Promise<void> {
  const [media] = await mediaBlobs(harness);
  expect(media, "the archived media blob").toBeDefined();
  const properties = await harness.container.getBlobClient(media!).getProperties();
  expect(properties.contentLength).toBe(size);
  expect(await harness.blobSha256(media!)).toBe(sim.contentSha256(documentId));
}

function invertedOrUnsatisfied(documentId: string): string[] {
  return sim.requests
    .filter((request) => request.documentId === documentId)
    .flatMap((request) => {
      const range = /^bytes=(\d+)-(\d+)$/.exec(request.range ?? "");
      return (range && Number(range[2]) < Number(range[1])) || request.status === 416
        ? [`${request.range} -> ${request.status}`]
        : [];
    });
}

describe("a body whose end cannot be proven is never committed and never deleted", () => {
  it.each<[string, FaultSpec]>([
    ["short, then a clean close", { kind: "closeDelimited", afterBytes: BLOCK + 5 }],
    ["whole, then a clean close", { kind: "closeDelimited" }],
  ])("200 without Content-Length, %s: transient, then `unverifiable` on the last delivery", async (label, fault) => {
    const documentId = `doc-close-${label.split(",")[0]}`;
    const { harness, message } = setUp(documentId, { size: 3 * BLOCK + 17, faults: [fault] }, true);
    const { context } = capturingContext();
    expect((await harness.job.run(message, context)).status).toBe("retry");
    expect(await harness.job.run(message, context, LAST_DELIVERY)).toMatchObject({ status: "unverifiable" });
    expect(await mediaBlobs(harness)).toEqual([]);
    expect(sim.counters.documents[documentId]!.deletes).toBe(0);
    const records = await listBlobs(harness.container, "archive-failures/");
    expect(records).toHaveLength(1);
    expect(records[0]).toContain("-unverifiable-");
  });

  it("a source that never sends a length is re-queued while the deadline is ahead, and recorded `unverifiable` once it has passed", async () => {
    const requeued: number[] = [];
    const harness = archiveHarness(sim, inject("azuriteConnectionString"), {
      blockSize: BLOCK,
      requeue: (_message, delay) => {
        requeued.push(delay);
        return Promise.resolve();
      },
      settings: { RETENTION_HOURS: "24" },
    });
    sim.addDocument("doc-close-requeue", { size: BLOCK, faults: [{ kind: "closeDelimited" }] });
    const { context } = capturingContext();
    const [ahead] = harness.messagesFor({
      callId: "call-close-requeue",
      chunks: [{ documentId: "doc-close-requeue", size: BLOCK }],
    });
    expect((await harness.job.run(ahead, context, LAST_DELIVERY)).status).toBe("requeued");
    const [past] = harness.messagesFor({
      callId: "call-close-requeue",
      eventTime: new Date(Date.now() - 25 * 3_600_000).toISOString(),
      chunks: [{ documentId: "doc-close-requeue", size: BLOCK }],
    });
    expect((await harness.job.run(past, context, LAST_DELIVERY)).status).toBe("unverifiable");
    expect(requeued).toHaveLength(1);
    expect(await mediaBlobs(harness)).toEqual([]);
  });

  it("a whole-file Content-MD5 that does not match the body: never committed, `unverifiable` on the last delivery", async () => {
    const { harness, message } = setUp(
      "doc-bad-md5",
      { size: 2 * BLOCK + 9, ignoreRange: true, faults: [{ kind: "badMd5" }] },
      true,
    );
    const { context } = capturingContext();
    expect((await harness.job.run(message, context)).status).toBe("retry");
    expect((await harness.job.run(message, context, LAST_DELIVERY)).status).toBe("unverifiable");
    expect(await mediaBlobs(harness)).toEqual([]);
    expect(sim.counters.documents["doc-bad-md5"]!.deletes).toBe(0);
  });

  it("a whole-file Content-MD5 that matches is verified and kept with the blob", async () => {
    const size = 2 * BLOCK + 9;
    const { harness, message } = setUp("doc-good-md5", { size, ignoreRange: true, contentMd5: true });
    const { context } = capturingContext();
    expect((await harness.job.run(message, context)).status).toBe("archived");
    await expectIntact(harness, "doc-good-md5", size);
    const [media] = await mediaBlobs(harness);
    const expected = createHash("md5")
      .update(sim.contentRange("doc-good-md5", 0, size))
      .digest("base64");
    expect((await harness.container.getBlobClient(media!).getProperties()).metadata?.["sourcecontentmd5"]).toBe(
      expected,
    );
  });
});

describe("a source whose size changes mid-download starts over: never a short or mixed blob", () => {
  const size = 4 * BLOCK + 100;
  it.each<[string, FaultSpec]>([
    ["smaller in the first answer", { kind: "resize", size: 3 * BLOCK, times: 1 }],
    ["larger in the first answer", { kind: "resize", size: 6 * BLOCK, times: 1 }],
    ["smaller in a later range", { kind: "resize", size: 2 * BLOCK + 1, skipRequests: 2, times: 1 }],
  ])("%s", async (label, fault) => {
    const documentId = `doc-resize-${label.replace(/\W+/g, "-")}`;
    const { harness, message } = setUp(documentId, { size, faults: [fault] });
    const { context, logs } = capturingContext();
    const result = await harness.job.run(message, context);
    expect(result.status, JSON.stringify(logs)).toBe("archived");
    await expectIntact(harness, documentId, size);
    expect(logs.some((line) => line.message.includes("starts over"))).toBe(true);
  });

  it("a server that ignores Range and changes size on the retry", async () => {
    const { harness, message } = setUp("doc-resize-sequential", {
      size,
      ignoreRange: true,
      faults: [
        { kind: "reset", afterBytes: BLOCK + 3, times: 1 },
        { kind: "resize", size: size + 1, times: 1 },
      ],
    });
    const { context } = capturingContext();
    expect((await harness.job.run(message, context)).status).toBe("archived");
    await expectIntact(harness, "doc-resize-sequential", size);
  });
});

describe("retries after the last byte cannot make things worse", () => {
  it("a connection dropped before the chunked terminator: the range is done, no inverted range, no 416", async () => {
    const size = 3 * BLOCK;
    const { harness, message } = setUp("doc-drop-terminator", { size, faults: [{ kind: "dropTerminator" }] });
    const { context } = capturingContext();
    expect((await harness.job.run(message, context)).status).toBe("archived");
    await expectIntact(harness, "doc-drop-terminator", size);
    expect(invertedOrUnsatisfied("doc-drop-terminator")).toEqual([]);
  });

  it("a server that ignores Range drops the terminator after the whole file: done, not downloaded again", async () => {
    const size = 2 * BLOCK;
    const { harness, message } = setUp("doc-drop-terminator-200", {
      size,
      ignoreRange: true,
      faults: [{ kind: "dropTerminator", times: 1 }],
    });
    const { context } = capturingContext();
    expect((await harness.job.run(message, context)).status).toBe("archived");
    await expectIntact(harness, "doc-drop-terminator-200", size);
    expect(sim.counters.documents["doc-drop-terminator-200"]!.contentRequests).toBe(1);
  });

  it("a 416 for a range inside the known size is transient, not a permanent failure", async () => {
    const size = 3 * BLOCK + 5;
    const { harness, message } = setUp("doc-416-inside", {
      size,
      faults: [{ kind: "status", status: 416, skipRequests: 1, times: 2 }],
    });
    const { context } = capturingContext();
    expect((await harness.job.run(message, context)).status).toBe("archived");
    await expectIntact(harness, "doc-416-inside", size);
  });
});
