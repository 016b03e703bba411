// Integration tier. Needs: Azurite, the ACS simulator, dist/, loopback servers.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { BlobServiceClient, type ContainerClient } from "@azure/storage-blob";
import { QueueClient } from "@azure/storage-queue";
import { HttpRequest, InvocationContext } from "@azure/functions";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startAcsSimulator, type AcsSimulator } from "../../tools/acsSimulator";
import { listBlobs } from "../support/archiveHarness";
import { findFunction, loadCompiledApp, type RegisteredFunction } from "../support/compiledApp";
import { serveHttpFunction, type FunctionHttpServer } from "../support/functionHttpServer";
import { invokeHttp } from "../support/functionInvoke";
import { routeHttpsHosts } from "../support/httpsHostRoutes";
import { repeated, streamingPost } from "../support/streamingPost";
import { capturingContext, uniqueName, type CapturedLog } from "../support/testSettings";

// The current Event Grid documentation's sample RecordingFileStatusUpdated event, as published (test/fixtures/events,
// SOURCES.md), through the compiled app: the webhook over real HTTP, the queue as the host hands it over, archiveChunk,
// against the ACS simulator serving the sample's document at the sample's own URLs. Its deleteLocation names another
// document on another host: the chunk is archived, that URL is never called (DELETE_AFTER_ARCHIVE=true), and the
// anomaly is recorded once on the chunk (status API, manifest) and logged.

const SAMPLE = join(
  __dirname,
  "..",
  "fixtures",
  "events",
  "docs-eventgrid-acs-voice-video-events.ga.servercallid-subject.eventgrid.json",
);
/** SHA-256 of the published bytes (/work/shared/fixtures/published/azure-docs--voice-video-events-current--recording-file-status-updated.json). */
const PUBLISHED_SHA256 = "bcdb6e4f631375e254cefa8235fa582829de224867784101c7dcb7e1cf7e02db";
const DOCUMENT = "0-eus-d12-801b3f3fc462fe8a01e6810cbff729b8";
const FOREIGN_DOCUMENT = "0-eus-d1-83e9599991e21ad21220427d78fbf558";
const CALL = "{call-id}";

let sim: AcsSimulator;
let unroute: () => void;

beforeAll(async () => {
  sim = await startAcsSimulator();
  sim.addDocument(DOCUMENT, { size: 300_000 });
  // The document the sample's deleteLocation names exists too: a DELETE sent there would succeed, and be counted.
  sim.addDocument(FOREIGN_DOCUMENT, { size: 1_000 });
  // storage.asm.skype.com -> the simulator's storage listener, us-storage.asm.skype.com -> its regional one.
  unroute = routeHttpsHosts({ "storage.asm.skype.com": sim.storageUrl, "us-storage.asm.skype.com": sim.regionalUrl });
});
afterAll(async () => {
  unroute?.();
  await sim?.close();
});

interface App {
  readonly server: FunctionHttpServer;
  readonly archiveChunk: RegisteredFunction;
  readonly archiveStatus: RegisteredFunction;
  readonly queue: QueueClient;
  readonly container: ContainerClient;
}

async function appWith(settings: Record<string, string>): Promise<App> {
  const queueName = uniqueName("sample-chunks");
  const containerName = uniqueName("sample-rec");
  const functions = loadCompiledApp({
    AzureWebJobsStorage: inject("azuriteConnectionString"),
    ACS_CONNECTION_STRING: sim.connectionString,
    CHUNK_QUEUE: queueName,
    RECORDINGS_CONTAINER: containerName,
    DELETE_AFTER_ARCHIVE: "true",
    ...settings,
  });
  return {
    server: await serveHttpFunction(findFunction(functions, "recordingEventsWebhook")),
    archiveChunk: findFunction(functions, "archiveChunk"),
    archiveStatus: findFunction(functions, "archiveStatus"),
    queue: new QueueClient(inject("azuriteConnectionString"), queueName),
    container: BlobServiceClient.fromConnectionString(inject("azuriteConnectionString")).getContainerClient(
      containerName,
    ),
  };
}

/** POSTs `body` as Event Grid does, then archives every queued message as the host would hand it over. */
async function deliverAndArchive(
  app: App,
  body: Buffer,
): Promise<{ report: Record<string, unknown>; logs: CapturedLog[] }> {
  const answer = await streamingPost(
    `${app.server.url}/api/recording-events`,
    { "content-type": "application/json", "aeg-event-type": "Notification", "content-length": String(body.length) },
    repeated(body, body.length),
  );
  expect(answer.status, answer.text).toBe(200);
  const logs: CapturedLog[] = [...app.server.logs];
  const { receivedMessageItems } = await app.queue.receiveMessages({ numberOfMessages: 32 });
  expect(receivedMessageItems).toHaveLength(1);
  for (const item of receivedMessageItems) {
    const context = new InvocationContext({
      functionName: "archiveChunk",
      triggerMetadata: { dequeueCount: item.dequeueCount },
      logHandler: (level, ...args) => logs.push({ level, message: args.map(String).join(" ") }),
    });
    await app.archiveChunk.handler(
      JSON.parse(Buffer.from(item.messageText, "base64").toString("utf8")) as unknown,
      context,
    );
    await app.queue.deleteMessage(item.messageId, item.popReceipt);
  }
  return { report: JSON.parse(answer.text) as Record<string, unknown>, logs };
}

function sha256(bytes: Buffer): string {
  return createHash("sha256").update(bytes).digest("hex");
}

describe("the documentation's sample event, byte for byte, through the compiled app", () => {
  it("is the published text (a TAB-indented deleteLocation naming another document on another host)", () => {
    const bytes = readFileSync(SAMPLE);
    expect(sha256(bytes)).toBe(PUBLISHED_SHA256);
    expect(bytes.toString("utf8")).toContain(
      `\t  "deleteLocation": "https://us-storage.asm.skype.com/v1/objects/${FOREIGN_DOCUMENT}"`,
    );
  });

  it("archives the chunk byte for byte, never calls its foreign deleteLocation (even with DELETE_AFTER_ARCHIVE=true), and records the anomaly once", async () => {
    sim.resetCounters();
    const app = await appWith({});
    try {
      const { report, logs } = await deliverAndArchive(app, readFileSync(SAMPLE));
      expect(report).toMatchObject({ received: 1, accepted: 1, enqueued: 1, rejectedCount: 0 });

      const blobs = await listBlobs(app.container, "calls/");
      // No recordingFormatType in the sample: stored as .bin, content type from the media itself.
      const media = blobs.find((name) => name.endsWith(`-${DOCUMENT}.bin`));
      const metadata = blobs.find((name) => name.endsWith(`-${DOCUMENT}.metadata.json`));
      expect(media, blobs.join("\n")).toBeDefined();
      const archived = await app.container.getBlobClient(media ?? "").downloadToBuffer();
      expect(sha256(archived)).toBe(sim.contentSha256(DOCUMENT));
      expect(await app.container.getBlobClient(metadata ?? "").downloadToBuffer()).toEqual(sim.metadataBytes(DOCUMENT));

      // No DELETE anywhere; nothing at all reached the host of the foreign deleteLocation; its document is still there.
      expect(sim.counters.totals.deletes).toBe(0);
      expect(sim.requests.filter((request) => request.method === "DELETE")).toEqual([]);
      expect(
        sim.requests.filter(
          (request) => request.listener === "regional" || request.hostHeader?.startsWith("us-storage"),
        ),
      ).toEqual([]);
      expect(
        sim.requests.filter(
          (request) => request.listener === "storage" && request.hostHeader === "storage.asm.skype.com",
        ).length,
      ).toBeGreaterThan(1);
      expect(sim.document(FOREIGN_DOCUMENT)?.deleted).toBe(false);
      expect(sim.document(DOCUMENT)?.deleted).toBe(false);
      expect(sim.counters.totals.unauthorized).toBe(0);

      // Recorded once on the chunk: the status API and the manifest show it; intake and the archiver say it in the log.
      const answer = await invokeHttp(
        app.archiveStatus,
        statusRequest(CALL),
        capturingContext("archiveStatus").context,
      );
      expect(answer.status, answer.text).toBe(200);
      const recording = (
        answer.json as {
          recordings: { complete: boolean; manifest: string | null; chunks: Record<string, unknown>[] }[];
        }
      ).recordings[0];
      expect(recording?.complete).toBe(true);
      expect(recording?.chunks).toEqual([
        expect.objectContaining({
          documentId: DOCUMENT,
          state: "archived",
          anomalies: ["deleteLocationNamesOtherDocument"],
        }),
      ]);
      const manifestName = (recording?.manifest ?? "").slice(app.container.containerName.length + 1);
      const manifest = JSON.parse(
        (await app.container.getBlobClient(manifestName).downloadToBuffer()).toString("utf8"),
      ) as {
        chunks: Record<string, unknown>[];
      };
      expect(manifest.chunks).toEqual([
        expect.objectContaining({ documentId: DOCUMENT, anomalies: ["deleteLocationNamesOtherDocument"] }),
      ]);
      const queuedRecords = await listBlobs(app.container, "archive-catalog/");
      expect(queuedRecords.filter((name) => name.includes("/queued/"))).toHaveLength(1);
      const said = logs.filter((line) => line.message.includes("deleteLocation"));
      expect(said.map((line) => line.level)).toEqual(["warning", "warning"]);
      expect(said[0]?.message).toMatch(/deleteLocationNamesOtherDocument: its deleteLocation names another document/);
      expect(said[1]?.message).toMatch(/its deleteLocation was not usable .* left to expire/);
    } finally {
      await app.server.stop();
    }
  });

  it("with its deleteLocation naming its own document (the control), the delete is sent once the archive is verified", async () => {
    const published = readFileSync(SAMPLE, "utf8");
    const own = published.replace(`/v1/objects/${FOREIGN_DOCUMENT}`, `/v1/objects/${DOCUMENT}`);
    expect(own).not.toBe(published);
    const before = sim.requests.length;
    const app = await appWith({});
    try {
      const { report } = await deliverAndArchive(app, Buffer.from(own, "utf8"));
      expect(report).toMatchObject({ enqueued: 1 });
      expect(
        sim.requests
          .slice(before)
          .filter((request) => request.method === "DELETE")
          .map((request) => [request.listener, request.url]),
      ).toEqual([["regional", `/v1/objects/${DOCUMENT}`]]);
      expect(sim.document(DOCUMENT)?.deleted).toBe(true);
    } finally {
      await app.server.stop();
    }
  });
});

function statusRequest(call: string): HttpRequest {
  return new HttpRequest({
    method: "GET",
    url: `http://localhost:7071/api/archive/calls/${encodeURIComponent(call)}`,
    params: { callId: call },
  });
}
