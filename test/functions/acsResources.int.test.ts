// Integration tier. Needs: Azurite, the ACS simulator, dist/.
import { InvocationContext } from "@azure/functions";
import { BlobServiceClient } from "@azure/storage-blob";
import { QueueClient } from "@azure/storage-queue";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startAcsSimulator, type AcsSimulator, type SimResource } from "../../tools/acsSimulator";
import { listBlobs } from "../support/archiveHarness";
import { findFunction, loadCompiledApp, type RegisteredFunction } from "../support/compiledApp";
import { invokeHttp, webhookRequest } from "../support/functionInvoke";
import { eventually } from "../support/polling";
import { capturingContext, uniqueName, type CapturedLog } from "../support/testSettings";

/**
 * One archiver, several ACS resources (ACS_RESOURCES__<n>__* settings), through the compiled app: webhook -> queue
 * (as the host decodes it) -> archiveChunk, against a simulator holding three resources with different keys.
 */
let sim: AcsSimulator;
let fabrikam: SimResource;
/** A resource the app has no key for. */
let stranger: SimResource;
let webhook: RegisteredFunction;
let archiveChunk: RegisteredFunction;
const queueName = uniqueName("multi");
const containerName = uniqueName("multi");
const azurite = (): string => inject("azuriteConnectionString");
const container = () => BlobServiceClient.fromConnectionString(azurite()).getContainerClient(containerName);

beforeAll(async () => {
  sim = await startAcsSimulator({ name: "contoso-acs" });
  fabrikam = await sim.addResource({ name: "fabrikam-acs" });
  stranger = await sim.addResource({ name: "stranger-acs" });
  const functions = loadCompiledApp({
    AzureWebJobsStorage: azurite(),
    ALLOWED_DOWNLOAD_HOSTS: sim.allowedHosts.join(","),
    CHUNK_QUEUE: queueName,
    RECORDINGS_CONTAINER: containerName,
    DOWNLOAD_BLOCK_SIZE: "256KiB",
    DOWNLOAD_CONCURRENCY: "4",
    ACS_RESOURCES__0__RESOURCE_ID: sim.resourceId,
    ACS_RESOURCES__0__CONNECTION_STRING: sim.connectionString,
    ACS_RESOURCES__0__SECONDARY_CONNECTION_STRING: sim.secondaryConnectionString,
    ACS_RESOURCES__1__RESOURCE_ID: fabrikam.resourceId,
    ACS_RESOURCES__1__CONNECTION_STRING: fabrikam.connectionString,
  });
  webhook = findFunction(functions, "recordingEventsWebhook");
  archiveChunk = findFunction(functions, "archiveChunk");
});
afterAll(async () => sim.close());

interface IntakeAnswer {
  readonly enqueued: number;
  readonly rejected: readonly {
    readonly code: string;
    readonly field?: string;
    readonly message: string;
    readonly keptAt: string;
  }[];
}

async function deliver(events: readonly object[]): Promise<IntakeAnswer> {
  const { context } = capturingContext("recordingEventsWebhook");
  const answer = await invokeHttp(
    webhook,
    webhookRequest({
      body: JSON.stringify(events),
      headers: { "content-type": "application/json", "aeg-event-type": "Notification" },
    }),
    context,
  );
  expect(answer.status).toBe(200);
  return answer.json as IntakeAnswer;
}

/** What the Functions host hands a queue trigger: base64-decoded text, JSON-parsed by the worker. */
async function receiveAsHost(): Promise<{ body: { documentId: string }; dequeueCount: number }[]> {
  const queue = new QueueClient(azurite(), queueName);
  const { receivedMessageItems } = await queue.receiveMessages({ numberOfMessages: 32, visibilityTimeout: 600 });
  return receivedMessageItems.map((item) => ({
    body: JSON.parse(Buffer.from(item.messageText, "base64").toString("utf8")) as { documentId: string },
    dequeueCount: item.dequeueCount,
  }));
}

async function runArchive(body: unknown, dequeueCount = 1): Promise<CapturedLog[]> {
  const logs: CapturedLog[] = [];
  const context = new InvocationContext({
    functionName: "archiveChunk",
    triggerMetadata: { dequeueCount },
    logHandler: (level, ...args) => logs.push({ level, message: args.map(String).join(" ") }),
  });
  await archiveChunk.handler(body, context);
  return logs;
}

async function expectArchived(documentId: string): Promise<void> {
  const media = (await listBlobs(container())).find((name) => name.endsWith(`${documentId}.mp4`));
  expect(media, `${documentId} is archived`).toBeDefined();
  const properties = await container()
    .getBlobClient(media ?? "")
    .getProperties();
  expect(properties.metadata?.["contentsha256"]).toBe(sim.contentSha256(documentId));
  expect(properties.contentLength).toBe(sim.document(documentId)?.size);
}

function requestsFor(documentId: string) {
  return sim.requests.filter((request) => request.documentId === documentId);
}

function allKeys(): string[] {
  return sim.resources.flatMap((resource) => [resource.accessKey, resource.secondaryKey]);
}

describe("several ACS resources, one archiver", () => {
  it("archives recordings of two resources with different keys side by side, each signed with its own resource's key", async () => {
    const contosoEvent = sim.recordingEvent({
      resourceId: sim.resourceId,
      chunks: [{ documentId: "multi-contoso-0", size: 700_000 }],
    });
    const fabrikamEvent = sim.recordingEvent({
      resourceId: fabrikam.resourceId,
      chunks: [
        { documentId: "multi-fabrikam-0", size: 900_000 },
        { documentId: "multi-fabrikam-1", size: 123_457 },
      ],
    });
    const answer = await deliver([contosoEvent, fabrikamEvent]);
    expect(answer).toMatchObject({ enqueued: 3, rejected: [] });

    const delivered = await receiveAsHost();
    expect(delivered.map((message) => message.body.documentId).sort()).toEqual([
      "multi-contoso-0",
      "multi-fabrikam-0",
      "multi-fabrikam-1",
    ]);
    const logs = (await Promise.all(delivered.map((message) => runArchive(message.body, message.dequeueCount)))).flat();

    for (const [documentId, owner] of [
      ["multi-contoso-0", sim],
      ["multi-fabrikam-0", fabrikam],
      ["multi-fabrikam-1", fabrikam],
    ] as const) {
      await expectArchived(documentId);
      const requests = requestsFor(documentId);
      expect(requests.length).toBeGreaterThan(1);
      // The simulator refuses another resource's signature (403) and a wrong key (401): none happened.
      expect(
        requests.every(
          (request) =>
            request.authorized && request.resourceId === owner.resourceId && request.signedWith === "primary",
        ),
      ).toBe(true);
    }
    expect(logs.filter((line) => line.level === "warning" || line.level === "error")).toEqual([]);
    const text = logs.map((line) => line.message).join("\n");
    for (const key of allKeys()) expect(text).not.toContain(key);
  });

  it("signs a forged event's chunk only with the key of the resource its topic names, never with the owner's: refused, recorded, nothing archived", async () => {
    // Each event names the other configured resource than the one that owns its recording (contoso has a secondary key,
    // fabrikam none): the archiver signs with the named resource's keys, and the owner's keys never sign anything.
    const forged = [
      { documentId: "multi-forged-contoso", owner: sim, named: fabrikam },
      { documentId: "multi-forged-fabrikam", owner: fabrikam, named: sim },
    ];
    const events = forged.map(({ documentId, owner, named }) => ({
      ...sim.recordingEvent({ resourceId: owner.resourceId, chunks: [{ documentId, size: 50_000 }] }),
      topic: named.resourceId,
    }));
    expect(await deliver(events)).toMatchObject({ enqueued: 2, rejected: [] });
    const delivered = await receiveAsHost();
    const logs = (await Promise.all(delivered.map((message) => runArchive(message.body, message.dequeueCount)))).flat();
    for (const { documentId, named } of forged) {
      const requests = requestsFor(documentId);
      expect(requests.length, documentId).toBeGreaterThan(0);
      expect(requests.every((request) => !request.authorized && request.resourceId === named.resourceId)).toBe(true);
      expect((await listBlobs(container())).some((name) => name.includes(documentId))).toBe(true); // its failure record only
      expect((await listBlobs(container(), "calls/")).some((name) => name.includes(documentId))).toBe(false);
    }
    // contoso's secondary key was tried (a refusal may be a rotation), fabrikam's primary only.
    expect(requestsFor("multi-forged-fabrikam").map((request) => request.signedWith)).toContain("secondary");
    expect(new Set(requestsFor("multi-forged-contoso").map((request) => request.signedWith))).toEqual(
      new Set(["primary"]),
    );
    const text = logs.map((line) => line.message).join("\n");
    for (const key of allKeys()) expect(text).not.toContain(key);
  });

  it("quarantines at intake an event from a resource without a key, naming the settings to add, and signs nothing", async () => {
    const event = sim.recordingEvent({
      resourceId: stranger.resourceId,
      chunks: [{ documentId: "multi-stranger-0", size: 10_000 }],
    });
    const answer = await deliver([event]);
    expect(answer.enqueued).toBe(0);
    expect(answer.rejected).toHaveLength(1);
    const [rejection] = answer.rejected;
    expect(rejection?.field).toBe("topic");
    expect(rejection?.message).toContain(stranger.resourceId.toLowerCase());
    expect(rejection?.message).toContain("ACS_RESOURCES__2__RESOURCE_ID");
    expect(rejection?.message).toContain("ACS_RESOURCES__2__CONNECTION_STRING");
    // Kept where an operator finds it, with the event as received (to replay once the key is configured).
    const kept = rejection?.keptAt.slice(rejection.keptAt.indexOf("/") + 1) ?? "";
    const record = JSON.parse(
      (
        await BlobServiceClient.fromConnectionString(azurite())
          .getContainerClient("rejected-events")
          .getBlobClient(kept)
          .downloadToBuffer()
      ).toString(),
    ) as { reason: { message: string }; input: { topic: string } };
    expect(record.reason.message).toContain("ACS_RESOURCES__2__CONNECTION_STRING");
    expect(record.input.topic).toBe(stranger.resourceId);
    expect(await receiveAsHost()).toEqual([]);
    expect(requestsFor("multi-stranger-0")).toEqual([]);
  });

  it("refuses a queued chunk of a resource without a key: recorded as failed, naming the settings, nothing signed", async () => {
    sim.addDocument("multi-stranger-queued", { size: 10_000, resourceId: stranger.resourceId });
    const urls = sim.urls("multi-stranger-queued");
    const message = {
      version: 1,
      documentId: "multi-stranger-queued",
      index: 0,
      chunkCount: 1,
      resource: stranger.resourceId,
      eventId: "evt-stranger-queued",
      eventTime: new Date().toISOString(),
      deadline: new Date(Date.now() + 3_600_000).toISOString(),
      contentLocation: urls.contentLocation,
      metadataLocation: urls.metadataLocation,
    };
    const logs = await runArchive(message);
    const errors = logs.filter((line) => line.level === "error").map((line) => line.message);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/AcsResourceNotConfiguredError/);
    expect(errors[0]).toContain("ACS_RESOURCES__2__RESOURCE_ID");
    expect(errors[0]).toMatch(/failed; not retried/);
    expect(requestsFor("multi-stranger-queued")).toEqual([]);
    const records = await listBlobs(container(), "archive-failures/");
    const record = records.find((name) => name.includes("multi-stranger-queued"));
    expect(record).toBeDefined();
    const stored = JSON.parse(
      (
        await container()
          .getBlobClient(record ?? "")
          .downloadToBuffer()
      ).toString(),
    ) as { outcome: string; reason: { code: string } };
    expect(stored).toMatchObject({ outcome: "failed", reason: { code: "AcsResourceNotConfigured" } });
  });

  it("loses nothing across a key rotation mid-run: the transfer in progress and the queued chunks switch to the secondary key", async () => {
    // Four requests of the first chunk stall long enough to rotate the key while they are in flight.
    const stalled = "multi-rotate-0";
    sim.addDocument(stalled, { size: 3 * 1024 * 1024, faults: [{ kind: "stall", stallMs: 3_000, times: 4 }] });
    const event = sim.recordingEvent({
      resourceId: sim.resourceId,
      chunks: [
        { documentId: stalled, size: 3 * 1024 * 1024 },
        { documentId: "multi-rotate-1", size: 400_000 },
        { documentId: "multi-rotate-2", size: 300_000 },
      ],
    });
    expect((await deliver([event])).enqueued).toBe(3);
    const delivered = await receiveAsHost();
    expect(delivered).toHaveLength(3);
    const first = delivered.find((message) => message.body.documentId === stalled);
    const queued = delivered.filter((message) => message !== first);

    const transfer = runArchive(first?.body);
    await eventually(
      () =>
        requestsFor(stalled).some((request) => request.authorized && request.fault === "stall") ? true : undefined,
      "a stalled range",
    );
    const oldPrimary = sim.accessKey;
    // The operator regenerates the primary key the app still has in ACS_RESOURCES__0__CONNECTION_STRING.
    sim.regenerateKey("primary");
    const transferLogs = await transfer;
    const queuedLogs = (
      await Promise.all(queued.map((message) => runArchive(message.body, message.dequeueCount)))
    ).flat();

    for (const documentId of [stalled, "multi-rotate-1", "multi-rotate-2"]) await expectArchived(documentId);
    expect(await listBlobs(container(), "archive-failures/")).not.toContainEqual(
      expect.stringContaining("multi-rotate"),
    );

    // The transfer in progress met the rotation: refused ranges were asked again with the secondary key.
    const refused = requestsFor(stalled).filter((request) => request.status === 401);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.length).toBeLessThanOrEqual(4);
    expect(requestsFor(stalled).some((request) => request.authorized && request.signedWith === "secondary")).toBe(true);
    // The queued chunks did not pay a 401 each: the process remembered the key that works.
    for (const documentId of ["multi-rotate-1", "multi-rotate-2"]) {
      expect(requestsFor(documentId).every((request) => request.authorized && request.signedWith === "secondary")).toBe(
        true,
      );
    }

    const warnings = transferLogs.filter((line) => line.level === "warning").map((line) => line.message);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("ACS resource contoso-acs");
    expect(warnings[0]).toContain("the primary key (ACS_RESOURCES__0__CONNECTION_STRING) was refused (HTTP 401)");
    expect(warnings[0]).toContain("the secondary key (ACS_RESOURCES__0__SECONDARY_CONNECTION_STRING) was accepted");
    expect(queuedLogs.filter((line) => line.level === "warning" || line.level === "error")).toEqual([]);
    const text = [...transferLogs, ...queuedLogs].map((line) => line.message).join("\n");
    for (const key of [oldPrimary, ...allKeys()]) expect(text).not.toContain(key);
  });
});
