// Integration tier. Needs: Azurite, the ACS simulator.
import { describe, expect, inject, it } from "vitest";
import { chunkBlobNames } from "../../src/layout/blobLayout";
import { archiveHarness, listBlobs } from "../support/archiveHarness";
import { capturingContext } from "../support/testSettings";
import { useAcsSimulator } from "../support/useAcsSimulator";

const sim = useAcsSimulator();

const BLOCK = 256 * 1024;
const CONCURRENCY = 4;

describe("resume, idempotency and concurrent deliveries", () => {
  it("resumes after an invocation is cut off half way, re-downloading at most concurrency x block size", async () => {
    const size = 40 * BLOCK + 999;
    // 1 MiB/s per connection, 4 connections: ~2.5 s in all, so a 1 s budget stops the first attempt part way, with time
    // left on a busy machine for what comes before the first byte (the message check, the tombstone HEAD, the container).
    sim.addDocument("doc-resume", { size, faults: [{ kind: "bandwidth", bytesPerSecond: 1024 * 1024 }] });
    const cut = archiveHarness(sim, inject("azuriteConnectionString"), {
      blockSize: BLOCK,
      concurrency: CONCURRENCY,
      invocationBudgetMs: 1_000,
    });
    const [message] = cut.messagesFor({ callId: "call-resume", chunks: [{ documentId: "doc-resume", size }] });
    const { context } = capturingContext();
    const first = await cut.job.run(message, context);
    expect(first.status).toBe("retry");
    const mediaName = chunkBlobNames(message!).media;
    const staged = await cut.container.getBlockBlobClient(mediaName).getBlockList("uncommitted");
    expect(staged.uncommittedBlocks?.length ?? 0).toBeGreaterThan(0);
    const servedBefore = sim.counters.documents["doc-resume"]!.contentBytesServed;

    const again = archiveHarness(sim, inject("azuriteConnectionString"), {
      blockSize: BLOCK,
      concurrency: CONCURRENCY,
      settings: { RECORDINGS_CONTAINER: cut.config.recordingsContainer },
    });
    const { context: secondContext, logs: secondLogs } = capturingContext();
    const second = await again.job.run(message, secondContext);
    // The first GET of the resumed run starts exactly where the staged blocks end: nothing is thrown away.
    expect(secondLogs.filter((line) => line.message.includes("asked for bytes"))).toEqual([]);
    if (second.status === "archived") expect(second.downloadedBytes).toBe(size - second.resumedBlocks * BLOCK);
    expect(second).toMatchObject({ status: "archived", bytes: size });
    if (second.status === "archived") expect(second.resumedBlocks).toBe(staged.uncommittedBlocks!.length);
    const servedTotal = sim.counters.documents["doc-resume"]!.contentBytesServed;
    expect(servedTotal - size).toBeLessThanOrEqual(CONCURRENCY * BLOCK);
    expect(servedTotal - servedBefore).toBeLessThan(size);
    expect(await again.blobSha256(mediaName)).toBe(sim.contentSha256("doc-resume"));
  });

  it("acknowledges an already archived chunk without downloading it again", async () => {
    const harness = archiveHarness(sim, inject("azuriteConnectionString"));
    sim.addDocument("doc-twice", { size: 3 * BLOCK });
    const [message] = harness.messagesFor({
      callId: "call-twice",
      chunks: [{ documentId: "doc-twice", size: 3 * BLOCK }],
    });
    const { context } = capturingContext();
    expect((await harness.job.run(message, context)).status).toBe("archived");
    const requests = sim.counters.documents["doc-twice"]!.contentRequests;
    const second = await harness.job.run(message, context);
    expect(second.status).toBe("alreadyArchived");
    expect(sim.counters.documents["doc-twice"]!.contentRequests).toBe(requests);
  });

  it("two deliveries of the same message at the same time: one commit wins, both succeed", async () => {
    const harness = archiveHarness(sim, inject("azuriteConnectionString"));
    const size = 12 * BLOCK + 7;
    sim.addDocument("doc-race", { size });
    const [message] = harness.messagesFor({ callId: "call-race", chunks: [{ documentId: "doc-race", size }] });
    const { context } = capturingContext();
    const results = await Promise.all([harness.job.run(message, context), harness.job.run(message, context)]);
    expect(results.map((result) => result.status).sort()).toEqual(expect.arrayContaining(["archived"]));
    expect(results.every((result) => result.status === "archived" || result.status === "alreadyArchived")).toBe(true);
    const media = (await listBlobs(harness.container)).filter((name) => name.endsWith(".mp4"));
    expect(media).toHaveLength(1);
    expect(await harness.blobSha256(media[0]!)).toBe(sim.contentSha256("doc-race"));
  });

  it("never overwrites a blob that holds another document", async () => {
    const harness = archiveHarness(sim, inject("azuriteConnectionString"));
    sim.addDocument("doc-conflict", { size: BLOCK });
    const [message] = harness.messagesFor({
      callId: "call-conflict",
      chunks: [{ documentId: "doc-conflict", size: BLOCK }],
    });
    const name = chunkBlobNames(message!).media;
    await harness.container.createIfNotExists();
    await harness.container.getBlockBlobClient(name).upload("someone else's file", 19);
    const { context } = capturingContext();
    const result = await harness.job.run(message, context);
    expect(result.status).toBe("failed");
    expect((await harness.container.getBlobClient(name).downloadToBuffer()).toString()).toBe("someone else's file");
  });

  it("DELETE_AFTER_ARCHIVE deletes the ACS copy only after media and metadata are committed", async () => {
    const harness = archiveHarness(sim, inject("azuriteConnectionString"), { deleteAfterArchive: true });
    sim.addDocument("doc-delete", { size: 2 * BLOCK });
    const [message] = harness.messagesFor({
      callId: "call-delete",
      chunks: [{ documentId: "doc-delete", size: 2 * BLOCK }],
    });
    const { context } = capturingContext();
    const result = await harness.job.run(message, context);
    expect(result).toMatchObject({ status: "archived", deletedFromAcs: true });
    expect(sim.document("doc-delete")?.deleted).toBe(true);
    expect(await harness.blobSha256((await listBlobs(harness.container)).find((name) => name.endsWith(".mp4"))!)).toBe(
      sim.contentSha256("doc-delete"),
    );
  });

  it("DELETE_AFTER_ARCHIVE with two racing deliveries: the loser finds the archive instead of retrying a 404", async () => {
    const harness = archiveHarness(sim, inject("azuriteConnectionString"), { deleteAfterArchive: true });
    sim.addDocument("doc-delete-race", { size: 6 * BLOCK });
    const [message] = harness.messagesFor({
      callId: "call-delete-race",
      chunks: [{ documentId: "doc-delete-race", size: 6 * BLOCK }],
    });
    const { context } = capturingContext();
    const results = await Promise.all([harness.job.run(message, context), harness.job.run(message, context)]);
    expect(results.every((result) => result.status === "archived" || result.status === "alreadyArchived")).toBe(true);
    // Neither waited out retries of a 404: the loser asked ACS for the content at most a few times.
    expect(sim.counters.documents["doc-delete-race"]!.notFound).toBeLessThanOrEqual(2);
    expect(sim.document("doc-delete-race")?.deleted).toBe(true);
  });

  it("DELETE_AFTER_ARCHIVE keeps the ACS copy when the archive is not complete", async () => {
    const harness = archiveHarness(sim, inject("azuriteConnectionString"), { deleteAfterArchive: true });
    sim.addDocument("doc-keep", { size: BLOCK, faults: [{ kind: "status", status: 503 }] });
    const [message] = harness.messagesFor({ callId: "call-keep", chunks: [{ documentId: "doc-keep", size: BLOCK }] });
    const { context } = capturingContext();
    expect((await harness.job.run(message, context)).status).toBe("retry");
    expect(sim.document("doc-keep")?.deleted).toBe(false);
    expect(sim.counters.documents["doc-keep"]!.deletes).toBe(0);
  });

  it("never writes the access key or a signature into logs or failure records", async () => {
    const harness = archiveHarness(sim, inject("azuriteConnectionString"));
    sim.addDocument("doc-secret", { size: BLOCK, faults: [{ kind: "status", status: 403 }] });
    const [message] = harness.messagesFor({
      callId: "call-secret",
      chunks: [{ documentId: "doc-secret", size: BLOCK }],
    });
    const { context, logs } = capturingContext();
    await harness.job.run(message, context);
    const signatures = sim.requests
      .filter((request) => request.documentId === "doc-secret")
      .map((request) => String(request.headers["authorization"] ?? "").split("Signature=")[1])
      .filter(Boolean);
    expect(signatures.length).toBeGreaterThan(0);
    const records = await listBlobs(harness.container, "archive-failures/");
    const stored = await Promise.all(
      records.map(async (name) => (await harness.container.getBlobClient(name).downloadToBuffer()).toString()),
    );
    for (const text of [...logs.map((line) => line.message), ...stored]) {
      expect(text).not.toContain(sim.accessKey);
      for (const signature of signatures) expect(text).not.toContain(signature as string);
    }
  });
});
