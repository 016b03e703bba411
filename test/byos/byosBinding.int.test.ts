// Integration tier. Needs: Azurite, dist/, loopback servers.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { OPERATIONAL_PREFIXES } from "../../src/layout/blobLayout";
import { encodeChunkMessage, type ChunkMessage } from "../../src/queue/chunkMessage";
import { listBlobs } from "../support/archiveHarness";
import { byosRecording, startByosAccount, type ByosAccount, type ByosRecording } from "../support/byosAccount";
import { compiledPipeline, type CompiledPipeline } from "../support/compiledPipeline";
import { TEST_ACS_CONNECTION_STRING, uniqueName } from "../support/testSettings";

// The BYOS exfiltration of the security review, through the compiled app (Event Grid trigger -> queue -> archiveChunk):
// an event may name only its own chunk's blobs, in ACS's layout, inside the BYOS_STORAGE_ACCOUNTS container. Anything
// else is quarantined at intake with the reason, and a queue message naming it (as a compromised identity could write
// one) is refused by the archive job (outcome "rejected") before any request with the app's credential is sent.

const PARTICIPANT = "8:acs:44444444-dddd-4ddd-8ddd-000000000004_00000004-fay";

let account: ByosAccount;
let pipeline: CompiledPipeline;
let customer: string;
let legit: ByosRecording;
let other: ByosRecording;

beforeAll(async () => {
  account = await startByosAccount(inject("azuriteConnectionString"));
  customer = uniqueName("acs-byos");
  legit = await byosRecording(account, customer, PARTICIPANT);
  other = await byosRecording(account, customer, PARTICIPANT);
  // What else the account holds: a file in the listed container outside ACS's layout, and another container.
  const secret = "name,salary\nalice,123456\n";
  await account.blobs.getContainerClient(customer).getBlockBlobClient("hr/salaries.csv").upload(secret, secret.length);
  await account.blobs.getContainerClient("hr-data").createIfNotExists();
  await account.blobs.getContainerClient("hr-data").getBlockBlobClient("salaries.csv").upload(secret, secret.length);
  pipeline = compiledPipeline(inject("azuriteConnectionString"), {
    AzureWebJobsStorage: account.storage,
    ACS_CONNECTION_STRING: TEST_ACS_CONNECTION_STRING,
    BYOS_STORAGE_ACCOUNTS: `${account.accountUrl}/${customer}`,
    BYOS_COPY: "true",
  });
});
afterAll(() => account.proxy.close());

/** The legitimate event with its chunk's two locations replaced. */
function eventNaming(contentLocation: string, metadataLocation: string): object {
  const chunk = legit.event.data.recordingStorageInfo.recordingChunks[0] ?? {};
  return {
    ...legit.event,
    id: uniqueName("exfil"),
    data: {
      ...legit.event.data,
      recordingStorageInfo: { recordingChunks: [{ ...chunk, contentLocation, metadataLocation }] },
    },
  };
}

const inContainer = (name: string): string => `${account.accountUrl}/${customer}/${name}`;
const folderOf = (recording: ByosRecording): string =>
  recording.mediaName.slice(0, recording.mediaName.lastIndexOf("/"));

/** Locations the review used, each with what the reason must say. */
const EXFILTRATION: readonly { readonly name: string; readonly content: () => string; readonly reason: RegExp }[] = [
  {
    name: "an arbitrary blob of the listed container",
    content: () => inContainer("hr/salaries.csv"),
    reason: /layout|documentId/,
  },
  {
    name: "a %2e%2e path out of the container",
    content: () => inContainer(`%2e%2e/hr-data/0-audiomp3.${legit.documentId}.mp3`),
    reason: /'\.\.' segment/,
  },
  {
    name: "an encoded slash",
    content: () => inContainer(`${folderOf(legit)}%2F..%2F0-audiomp3.${legit.documentId}.mp3`),
    reason: /encoded slash/,
  },
  {
    name: "a $logs blob",
    content: () => `${account.accountUrl}/$logs/blob/2026/12/01/0000/000000.log`,
    reason: /not a container listed in BYOS_STORAGE_ACCOUNTS/,
  },
  {
    name: "another container of the account",
    content: () => `${account.accountUrl}/hr-data/salaries.csv`,
    reason: /not a container listed in BYOS_STORAGE_ACCOUNTS/,
  },
  {
    name: "another chunk's media, in ACS's layout",
    content: () => inContainer(other.mediaName),
    reason: /does not name the chunk's documentId/,
  },
  { name: "a SAS query", content: () => `${inContainer(legit.mediaName)}?sv=2024-01-01&sig=abc`, reason: /query/ },
];

describe("BYOS locations are bound like ACS locations (compiled app, Azurite)", () => {
  it("archives the BYOS quickstart's documented layout: media catalogued and copied, metadata copied, no ACS request", async () => {
    await pipeline.deliver(legit.event);
    const messages = await pipeline.drain();
    expect(messages).toHaveLength(1);
    await pipeline.archive(messages[0]);
    const names = await listBlobs(pipeline.recordings, "calls/");
    expect(names.filter((name) => /\.(byos\.json|metadata\.json|mp3)$/.test(name))).toHaveLength(3);
    const status = (await pipeline.status(legit.callId)).json as {
      recordings: { complete: boolean; chunks: { state: string }[] }[];
    };
    expect(status.recordings[0]).toMatchObject({ complete: true, chunks: [{ state: "archived" }] });
  });

  it.each(EXFILTRATION)(
    "quarantines an event naming $name at intake, with the reason, and queues nothing",
    async ({ content, reason }) => {
      const before = account.seen.length;
      const rejectedBefore = await listBlobs(account.blobs.getContainerClient("rejected-events"));
      await pipeline.deliver(eventNaming(content(), inContainer(legit.metadataName)));
      expect(await pipeline.drain()).toEqual([]);
      const kept = (await listBlobs(account.blobs.getContainerClient("rejected-events"))).filter(
        (name) => !rejectedBefore.includes(name),
      );
      expect(kept).toHaveLength(1);
      const record = JSON.parse(
        (await account.blobs.getContainerClient("rejected-events").getBlobClient(kept[0]!).downloadToBuffer()).toString(
          "utf8",
        ),
      ) as {
        reason: { field: string; message: string };
      };
      expect(record.reason.field).toMatch(/recordingChunks\[0\]\.contentLocation$/);
      expect(record.reason.message).toMatch(reason);
      // Nothing was asked of the customer's account for it.
      expect(account.seen.slice(before).filter((request) => !request.url.includes("/rejected-events"))).toEqual([]);
    },
  );

  it.each(EXFILTRATION)(
    "refuses a queue message naming $name in the archive job (rejected), sending no request for it",
    async ({ content }) => {
      // Another event of the same chunk (a redelivery of the same event would queue nothing: enqueueing is idempotent).
      await pipeline.deliver({ ...legit.event, id: uniqueName("legit") });
      const [message] = (await pipeline.drain()) as ChunkMessage[];
      if (!message?.byos) throw new Error("the legitimate event queued no BYOS message");
      const forged: ChunkMessage = {
        ...message,
        eventId: uniqueName("forged"),
        byos: { ...message.byos, contentBlob: content() },
      };
      await pipeline.queue.sendMessage(encodeChunkMessage(forged));
      const delivered = await pipeline.drain();
      const failuresBefore = await listBlobs(pipeline.recordings, OPERATIONAL_PREFIXES.failures);
      const before = account.seen.length;
      await pipeline.archive(delivered[0]);
      const target = new URL(content()).pathname;
      expect(
        account.seen.slice(before).filter((request) => request.url.includes(target) || request.url.includes(customer)),
      ).toEqual([]);
      const records = (await listBlobs(pipeline.recordings, OPERATIONAL_PREFIXES.failures)).filter(
        (name) => !failuresBefore.includes(name),
      );
      const bodies = await Promise.all(
        records.map(async (name) =>
          (await pipeline.recordings.getBlobClient(name).downloadToBuffer()).toString("utf8"),
        ),
      );
      expect(bodies.map((body) => (JSON.parse(body) as { outcome: string }).outcome)).toContain("rejected");
      expect(bodies.join("\n")).toMatch(/byos\.contentBlob/);
      expect(pipeline.logs.some((line) => line.level === "error" && /byos\.contentBlob/.test(line.message))).toBe(true);
    },
  );
});
