/**
 * `npm run demo`: archives a three-chunk recording end to end on this machine, with no Azure account and
 * no Core Tools. Starts Azurite (in memory, free ports) and the ACS recording simulator, injects transient
 * faults into one chunk, runs `recording-archiver archive --event <file>` in-process (the same core as the
 * command line and the same archive job as the queue function), then checks every archived blob against
 * the simulator's content (SHA-256) and metadata (byte for byte), runs it again to show idempotency, and stops.
 * A local Event Grid stand-in (loopback) receives the archiver's events: the demo shows the recording's
 * manifest.json and the RecordingArchived event it got.
 */
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BlobServiceClient, type ContainerClient } from "@azure/storage-blob";
import { formatBytes } from "../src/cli/output/formatBytes";
import { runCli } from "../src/cli/runCli";
import type { RunSummary } from "../src/cli/output/summary";
import { textTable } from "../src/cli/output/textTable";
import { startAcsSimulator, DEFAULT_TOPIC, type AcsSimulator, type FaultSpec } from "../tools/acsSimulator";
import { startAzurite, type RunningAzurite } from "../tools/azurite";
import { startEventReceiver, type EventReceiver } from "../tools/eventReceiver";
import { ARCHIVE_EVENT_TYPES } from "../src/catalog/archiveEvents";
import { manifestForEvent, type RecordingManifest } from "../src/catalog/recordingManifest";
import { manifestName } from "../src/layout/blobLayout";

const MIB = 1024 * 1024;
const CHUNKS: readonly { documentId: string; size: number; faults: FaultSpec[] }[] = [
  { documentId: "demo-doc-0", size: 5 * MIB + 12_345, faults: [] },
  // Transient faults on the second chunk: a connection reset mid-body, then a 503 with Retry-After.
  {
    documentId: "demo-doc-1",
    size: 4 * MIB,
    faults: [
      { kind: "reset", afterBytes: 300_000, times: 1 },
      { kind: "status", status: 503, retryAfterSeconds: 1, times: 1 },
    ],
  },
  { documentId: "demo-doc-2", size: 2 * MIB + 777, faults: [] },
];

const say = (text = ""): void => void process.stdout.write(`${text}\n`);

async function archiveOnce(
  eventFile: string,
  workDir: string,
  settings: Record<string, string>,
): Promise<{ code: number; summary: RunSummary }> {
  let stdout = "";
  const code = await runCli(["archive", "--event", eventFile], {
    env: settings,
    cwd: workDir,
    stdin: process.stdin,
    stdout: { write: (text: string) => (stdout += text) },
    stderr: process.stderr,
  });
  return { code, summary: JSON.parse(stdout) as RunSummary };
}

async function sha256Of(container: ContainerClient, name: string): Promise<string> {
  const hash = createHash("sha256");
  const download = await container.getBlobClient(name).download();
  for await (const piece of download.readableStreamBody as AsyncIterable<Buffer>) hash.update(piece);
  return hash.digest("hex");
}

async function verify(
  sim: AcsSimulator,
  azurite: RunningAzurite,
  summary: RunSummary,
): Promise<{ table: string; ok: boolean }> {
  const container = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(
    summary.recordingsContainer,
  );
  const inContainer = (blob: string): string => blob.slice(summary.recordingsContainer.length + 1);
  let ok = summary.chunks.length === CHUNKS.length;
  const rows: string[][] = [];
  for (const chunk of summary.chunks) {
    const name = inContainer(chunk.blob);
    const properties = await container.getBlobClient(name).getProperties();
    const archived = await sha256Of(container, name);
    const expected = sim.contentSha256(chunk.documentId);
    const metadata = (await container.getBlobClient(inContainer(chunk.metadataBlob)).downloadToBuffer()).equals(
      sim.metadataBytes(chunk.documentId),
    );
    const sizeOk = properties.contentLength === sim.document(chunk.documentId)?.size;
    const good = archived === expected && metadata && sizeOk;
    ok &&= good;
    rows.push([
      String(chunk.index),
      chunk.outcome,
      `${summary.recordingsContainer}/${name}`,
      formatBytes(properties.contentLength ?? 0),
      String(properties.contentLength ?? 0),
      `${archived.slice(0, 16)}…`,
      archived === expected ? "match" : `MISMATCH (expected ${expected.slice(0, 16)}…)`,
      metadata ? "identical" : "DIFFERENT",
    ]);
  }
  const header = [
    "#",
    "outcome",
    "landed at (container/blob)",
    "size",
    "bytes",
    "SHA-256 (archived)",
    "vs simulator",
    "metadata",
  ];
  return { table: textTable(header, rows, [0, 3, 4]), ok };
}

/** Shows the manifest and the RecordingArchived event; true when they agree with the archive. */
async function showCatalog(azurite: RunningAzurite, receiver: EventReceiver, summary: RunSummary): Promise<boolean> {
  const container = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(
    summary.recordingsContainer,
  );
  const first = summary.chunks[0];
  if (!first) return false;
  const inContainer = first.blob.slice(summary.recordingsContainer.length + 1);
  const name = manifestName(inContainer.slice(0, inContainer.lastIndexOf("/") + 1));
  const manifestText = (await container.getBlobClient(name).downloadToBuffer()).toString("utf8");
  const manifest = JSON.parse(manifestText) as RecordingManifest;
  say(`\nThe recording is complete: ${summary.recordingsContainer}/${name}`);
  say(manifestText);
  const archived = receiver.events.filter((event) => event["eventType"] === ARCHIVE_EVENT_TYPES.recordingArchived);
  const event = archived[0];
  if (!event) {
    say("\nNo RecordingArchived event reached the local event receiver.");
    return false;
  }
  const data = event["data"] as { manifest: { participantCount: number }; manifestBlob: string; manifestUrl: string };
  // The manifest inside the event is the stored one; shown abridged (chunks and participants counted).
  const shown = {
    ...event,
    data: { manifestBlob: data.manifestBlob, manifestUrl: data.manifestUrl, manifest: "(the manifest above)" },
  };
  say(
    `\nThe local Event Grid receiver got ${receiver.events.length} event(s); ${archived.length} ${ARCHIVE_EVENT_TYPES.recordingArchived} (one id: ${new Set(archived.map((item) => item["id"])).size === 1 ? "yes" : "NO"}), authenticated with ${receiver.publishes.every((publish) => publish.auth === "key") ? "the topic key (aeg-sas-key)" : "SOMETHING ELSE"}:`,
  );
  say(JSON.stringify(shown, null, 2));
  return (
    // The event carries the manifest with its participants as a count (no raw participant id leaves the archive).
    JSON.stringify(data.manifest) === JSON.stringify(manifestForEvent(manifest)) &&
    manifest.chunks.length === CHUNKS.length &&
    new Set(archived.map((item) => item["id"])).size === 1
  );
}

async function main(): Promise<number> {
  const started = Date.now();
  const workDir = mkdtempSync(join(tmpdir(), "recording-archiver-demo-"));
  say("Starting Azurite (in memory, free ports) and the ACS recording simulator...");
  const [azurite, sim, receiver] = await Promise.all([startAzurite(), startAcsSimulator(), startEventReceiver()]);
  say(`Local Event Grid topic (event receiver) at ${receiver.endpoint}.`);
  try {
    for (const chunk of CHUNKS) sim.addDocument(chunk.documentId, { size: chunk.size, faults: chunk.faults });
    const event = sim.recordingEvent({
      callId: "demo-call",
      recordingId: "demo-recording",
      chunks: CHUNKS.map(({ documentId, size }) => ({ documentId, size })),
    });
    const eventFile = join(workDir, "recording-event.json");
    writeFileSync(eventFile, JSON.stringify([event], null, 2));
    const settings = {
      AzureWebJobsStorage: azurite.connectionString,
      ACS_CONNECTION_STRING: sim.connectionString,
      ALLOWED_DOWNLOAD_HOSTS: sim.allowedHosts.join(","),
      ALLOWED_ACS_RESOURCES: DEFAULT_TOPIC,
      RECORDINGS_CONTAINER: "recordings",
      DOWNLOAD_BLOCK_SIZE: "1MiB",
      DOWNLOAD_CONCURRENCY: "4",
      ARCHIVE_EVENTS_ENDPOINT: receiver.endpoint,
      ARCHIVE_EVENTS_KEY: receiver.key,
    };
    say(
      `Recording: call demo-call, ${CHUNKS.length} chunks (GA event, Event Grid schema), ${formatBytes(CHUNKS.reduce((sum, chunk) => sum + chunk.size, 0))} in all.`,
    );
    say("Chunk 1 will suffer a connection reset mid-body and a 503 with Retry-After: 1 (watch the retries on stderr).");
    say(`\n$ recording-archiver archive --event ${eventFile}   (blocks of 1 MiB, 4 ranged GETs in flight)`);
    const first = await archiveOnce(eventFile, workDir, settings);
    say(`exit code ${first.code}\n`);
    const { table, ok } = await verify(sim, azurite, first.summary);
    say(table);
    const totals = sim.counters.totals;
    const catalogOk = await showCatalog(azurite, receiver, first.summary);
    say(
      `\nSimulator: ${totals.contentRequests} ranged content GETs, ${formatBytes(totals.contentBytesServed)} served, ${totals.unauthorized} unauthorized, faults injected: ${
        Object.entries(totals.faultsInjected)
          .filter(([, count]) => count > 0)
          .map(([kind, count]) => `${kind} x${count}`)
          .join(", ") || "none"
      }.`,
    );

    sim.resetCounters();
    say("\n$ recording-archiver archive --event ... (again: the archiver is idempotent per chunk)");
    const second = await archiveOnce(eventFile, workDir, settings);
    const again = second.summary.chunks.map((chunk) => `${chunk.index}: ${chunk.outcome}`).join(", ");
    say(
      `exit code ${second.code}; ${again}; ${formatBytes(sim.counters.totals.contentBytesServed)} of media downloaded.`,
    );

    const passed =
      ok &&
      catalogOk &&
      first.code === 0 &&
      second.code === 0 &&
      second.summary.chunks.every((chunk) => chunk.outcome === "alreadyArchived");
    say(
      `\n${passed ? "OK" : "FAILED"}: ${first.summary.totals.archived} chunks archived and verified against the simulator in ${((Date.now() - started) / 1000).toFixed(1)} s.`,
    );
    return passed ? 0 : 1;
  } finally {
    await Promise.all([sim.close(), azurite.stop(), receiver.close()]);
    rmSync(workDir, { recursive: true, force: true });
    say("Stopped Azurite, the simulator and the event receiver.");
  }
}

main().then(
  (code) => process.stdout.write("", () => process.exit(code)),
  (error: unknown) => {
    process.stderr.write(`demo failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
