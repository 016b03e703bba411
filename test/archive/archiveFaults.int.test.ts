// Integration tier. Needs: Azurite, the ACS simulator.
import { describe, expect, inject, it } from "vitest";
import { type FaultSpec } from "../../tools/acsSimulator";
import { archiveHarness, listBlobs } from "../support/archiveHarness";
import { capturingContext } from "../support/testSettings";
import { useAcsSimulator } from "../support/useAcsSimulator";

const sim = useAcsSimulator();

const BLOCK = 256 * 1024;

async function archiveWithFaults(
  documentId: string,
  size: number,
  faults: FaultSpec[],
  options: { ignoreRange?: boolean } = {},
) {
  const harness = archiveHarness(sim, inject("azuriteConnectionString"), { blockSize: BLOCK, concurrency: 4 });
  sim.addDocument(documentId, { size, faults, ...(options.ignoreRange ? { ignoreRange: true } : {}) });
  const [message] = harness.messagesFor({ callId: `call-${documentId}`, chunks: [{ documentId, size }] });
  const { context, logs } = capturingContext();
  const result = await harness.job.run(message, context);
  return { harness, result, logs, message: message! };
}

async function expectArchivedIntact(harness: ReturnType<typeof archiveHarness>, documentId: string): Promise<void> {
  const media = (await listBlobs(harness.container)).find((name) => name.endsWith(`${documentId}.mp4`));
  expect(media, `archived media of ${documentId}`).toBeDefined();
  expect(await harness.blobSha256(media as string)).toBe(sim.contentSha256(documentId));
}

describe("transient faults are retried inside the invocation and the archive is intact", () => {
  const cases: [string, FaultSpec[]][] = [
    ["a connection reset mid-body", [{ kind: "reset", afterBytes: 100_000, times: 3 }]],
    ["a truncated body", [{ kind: "truncate", afterBytes: 50_000, times: 2 }]],
    [
      "500 and 503",
      [
        { kind: "status", status: 500, times: 1 },
        { kind: "status", status: 503, times: 1 },
      ],
    ],
    [
      "502, 504 and 408",
      [
        { kind: "status", status: 502, times: 1 },
        { kind: "status", status: 504, times: 1 },
        { kind: "status", status: 408, times: 1 },
      ],
    ],
    ["429 with Retry-After", [{ kind: "status", status: 429, retryAfterSeconds: 1, times: 2 }]],
    ["429 without Retry-After", [{ kind: "status", status: 429, times: 2 }]],
    ["a 302 to the regional storage host", [{ kind: "redirect", redirectTo: "regional", times: 3 }]],
    ["a stalled body", [{ kind: "stall", stallMs: 5_000, times: 1 }]],
  ];
  it.each(cases)("%s", async (label, faults) => {
    const documentId = `doc-fault-${label.replace(/[^a-z0-9]+/gi, "-")}`;
    const { harness, result } = await archiveWithFaults(documentId, 5 * BLOCK + 123, faults);
    expect(result.status).toBe("archived");
    await expectArchivedIntact(harness, documentId);
    expect(
      Object.values(sim.counters.documents[documentId]!.faultsInjected).reduce((a, b) => a + b, 0),
    ).toBeGreaterThan(0);
  });

  it("a server that ignores Range is read as one stream, block by block", async () => {
    const { harness, result } = await archiveWithFaults("doc-no-range", 3 * BLOCK + 5, [], { ignoreRange: true });
    expect(result).toMatchObject({ status: "archived", bytes: 3 * BLOCK + 5 });
    await expectArchivedIntact(harness, "doc-no-range");
  });

  it("a server that ignores Range and breaks mid-stream is resumed", async () => {
    const { harness, result } = await archiveWithFaults(
      "doc-no-range-reset",
      4 * BLOCK,
      [{ kind: "reset", afterBytes: 2 * BLOCK + 1000, times: 1 }],
      {
        ignoreRange: true,
      },
    );
    expect(result.status).toBe("archived");
    await expectArchivedIntact(harness, "doc-no-range-reset");
  });
});

describe("transient faults that outlast the in-invocation retries", () => {
  it("hand the message back to the queue (retry) and leave no committed media blob", async () => {
    const { harness, result } = await archiveWithFaults("doc-always-503", 2 * BLOCK, [{ kind: "status", status: 503 }]);
    expect(result.status).toBe("retry");
    expect((await listBlobs(harness.container)).filter((name) => name.endsWith(".mp4"))).toEqual([]);
  });

  it("404 before the deadline is retried (the file may not be ready yet)", async () => {
    const { result } = await archiveWithFaults("doc-not-ready", BLOCK, [{ kind: "expired" }]);
    expect(result.status).toBe("retry");
  });
});

describe("permanent failures are recorded, not retried", () => {
  it("401 (wrong key) writes an outcome record under archive-failures/ and sends nothing more", async () => {
    const harness = archiveHarness(sim, inject("azuriteConnectionString"), {
      settings: {
        ACS_CONNECTION_STRING: sim.connectionString.replace(
          /accesskey=.*/,
          `accesskey=${Buffer.alloc(32, 9).toString("base64")}`,
        ),
      },
    });
    sim.addDocument("doc-wrong-key", { size: BLOCK });
    const [message] = harness.messagesFor({
      callId: "call-wrong-key",
      chunks: [{ documentId: "doc-wrong-key", size: BLOCK }],
    });
    const before = sim.counters.documents["doc-wrong-key"]!.requests;
    const { context, logs } = capturingContext();
    const result = await harness.job.run(message, context);
    expect(result.status).toBe("failed");
    expect(sim.counters.documents["doc-wrong-key"]!.requests - before).toBeLessThanOrEqual(2);
    const records = await listBlobs(harness.container, "archive-failures/");
    expect(records).toHaveLength(1);
    const record: unknown = JSON.parse(
      (await harness.container.getBlobClient(records[0]!).downloadToBuffer()).toString("utf8"),
    );
    expect(record).toMatchObject({
      outcome: "failed",
      httpStatus: 401,
      chunkKey: message!.chunkKey,
      message: { documentId: "doc-wrong-key" },
    });
    expect(logs.some((line) => line.level === "error" && line.message.includes(message!.chunkKey))).toBe(true);
  });

  it("404 after the deadline is recorded as expired", async () => {
    const later = new Date(Date.now() + 49 * 3_600_000);
    const harness = archiveHarness(sim, inject("azuriteConnectionString"), { now: () => later });
    sim.addDocument("doc-expired", { size: BLOCK, faults: [{ kind: "expired", target: "any" }] });
    const [message] = harness.messagesFor({
      callId: "call-expired",
      chunks: [{ documentId: "doc-expired", size: BLOCK }],
    });
    const { context, logs } = capturingContext();
    const result = await harness.job.run(message, context);
    expect(result.status).toBe("expired");
    expect(await listBlobs(harness.container, "archive-failures/")).toHaveLength(1);
    expect(logs.some((line) => line.level === "warning" && line.message.includes("retention deadline"))).toBe(true);
  });

  it("a redirect to a host outside the allowlist is refused before any signed request reaches it", async () => {
    const foreignBefore = sim.counters.totals.foreignRequests;
    const { harness, result } = await archiveWithFaults("doc-evil-redirect", BLOCK, [
      { kind: "redirect", redirectTo: "foreign", target: "any" },
    ]);
    expect(result.status).toBe("failed");
    expect(sim.counters.totals.foreignRequests).toBe(foreignBefore);
    expect(await listBlobs(harness.container, "archive-failures/")).toHaveLength(1);
  });

  it("a redirect to another document is refused: the chunk never holds another recording's bytes", async () => {
    sim.addDocument("doc-redirect-other", { size: BLOCK });
    const servedBefore = sim.counters.documents["doc-redirect-other"]?.contentBytesServed ?? 0;
    const { harness, result } = await archiveWithFaults("doc-redirect-victim", BLOCK, [
      {
        kind: "redirect",
        redirectTo: `${sim.regionalUrl}/v1/objects/doc-redirect-other/content/video`,
        target: "content",
      },
    ]);
    expect(result.status).toBe("failed");
    expect((await listBlobs(harness.container, "calls/")).filter((name) => name.endsWith(".mp4"))).toEqual([]);
    expect(sim.counters.documents["doc-redirect-other"]?.contentBytesServed ?? 0).toBe(servedBefore);
  });

  it("DELETE_AFTER_ARCHIVE never follows a redirect to another document: that recording is not deleted", async () => {
    const harness = archiveHarness(sim, inject("azuriteConnectionString"), { deleteAfterArchive: true });
    sim.addDocument("doc-delete-other", { size: 1000 });
    sim.addDocument("doc-delete-redirected", {
      size: 1000,
      faults: [{ kind: "redirect", redirectTo: `${sim.regionalUrl}/v1/objects/doc-delete-other`, target: "delete" }],
    });
    const [message] = harness.messagesFor({
      callId: "call-delete-redirected",
      chunks: [{ documentId: "doc-delete-redirected", size: 1000 }],
    });
    const { context } = capturingContext();
    expect(await harness.job.run(message, context)).toMatchObject({ status: "archived", deletedFromAcs: false });
    expect(sim.counters.documents["doc-delete-other"]?.deletes ?? 0).toBe(0);
  });

  it("a hostile URL in the queue message itself is rejected before any request is sent", async () => {
    const harness = archiveHarness(sim, inject("azuriteConnectionString"));
    sim.addDocument("doc-hostile", { size: BLOCK });
    const [message] = harness.messagesFor({
      callId: "call-hostile",
      chunks: [{ documentId: "doc-hostile", size: BLOCK }],
    });
    const tampered = { ...message!, contentLocation: `${sim.foreignUrl}/v1/objects/doc-hostile/content/video` };
    const foreignBefore = sim.counters.totals.foreignRequests;
    const requestsBefore = sim.requests.length;
    const { context } = capturingContext();
    const result = await harness.job.run(tampered, context);
    expect(result.status).toBe("rejected");
    expect(sim.counters.totals.foreignRequests).toBe(foreignBefore);
    expect(sim.requests.length).toBe(requestsBefore);
  });

  it("an unreadable message is recorded with its raw text", async () => {
    const harness = archiveHarness(sim, inject("azuriteConnectionString"));
    const { context } = capturingContext();
    const result = await harness.job.run("this is not a chunk message", context);
    expect(result.status).toBe("rejected");
    const [record] = await listBlobs(harness.container, "archive-failures/");
    const body: unknown = JSON.parse(
      (await harness.container.getBlobClient(record!).downloadToBuffer()).toString("utf8"),
    );
    expect(body).toHaveProperty("message", "this is not a chunk message");
  });
});
