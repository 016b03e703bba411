// Integration tier. Needs: the ACS simulator.
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SEGMENT_BYTES, startAcsSimulator, type AcsSimulator } from "../../tools/acsSimulator";
import { handSignedRequest } from "./support/handSignedRequest";
import { SdkSigningClient } from "./support/sdkSigningClient";

const MEDIA = "0-eus-d2-content000000000000000000000000001";
const BIG = "0-eus-d2-content000000000000000000000000big";
const AUDIO = "0-eus-d2-content00000000000000000000000audio";
const SIZE = 3 * 1024 * 1024 + 12_345;

describe("ACS simulator: media, metadata and delete", () => {
  let sim: AcsSimulator;
  let sdk: SdkSigningClient;

  beforeAll(async () => {
    sim = await startAcsSimulator();
    sim.addDocument(MEDIA, { size: SIZE });
    sim.addDocument(BIG, { size: 48 * 1024 * 1024 + 7 });
    sim.addDocument(AUDIO, { size: 100_000, format: "mp3" });
    sdk = new SdkSigningClient(sim.accessKey, sim.endpointUrl);
  });
  afterAll(() => sim.close());

  it("serves the whole media with Content-Length and the document's content type", async () => {
    const response = await sdk.storage("GET", sim.urls(MEDIA).contentLocation);
    expect(response.status).toBe(200);
    expect(response.headers["content-length"]).toBe(String(SIZE));
    expect(response.headers["content-type"]).toBe("video/mp4");
    expect(response.headers["content-range"]).toBeUndefined();
    expect(response.body.equals(sim.contentRange(MEDIA, 0, SIZE))).toBe(true);
  });

  it("streams byte for byte what contentSha256 promises", async () => {
    const streamed = await sdk.storageSha256(sim.urls(BIG).contentLocation);
    expect(streamed).toEqual({ status: 200, sha256: sim.contentSha256(BIG), length: 48 * 1024 * 1024 + 7 });
    expect(sim.counters.documents[BIG]?.contentBytesServed).toBe(48 * 1024 * 1024 + 7);
  });

  it("answers ranges with 206 and exact bytes, and open and suffix ranges", async () => {
    const url = sim.urls(MEDIA).contentLocation;
    const middle = await sdk.storage("GET", url, { Range: "bytes=65530-65545" });
    expect(middle.status).toBe(206);
    expect(middle.headers["content-range"]).toBe(`bytes 65530-65545/${SIZE}`);
    expect(middle.body.equals(sim.contentRange(MEDIA, 65530, 65546))).toBe(true);
    const open = await sdk.storage("GET", url, { Range: `bytes=${SIZE - 100}-` });
    expect(open.headers["content-range"]).toBe(`bytes ${SIZE - 100}-${SIZE - 1}/${SIZE}`);
    expect(open.body.equals(sim.contentRange(MEDIA, SIZE - 100, SIZE))).toBe(true);
    const suffix = await sdk.storage("GET", url, { Range: "bytes=-10" });
    expect(suffix.body.equals(sim.contentRange(MEDIA, SIZE - 10, SIZE))).toBe(true);
    const pastEnd = await sdk.storage("GET", url, { Range: `bytes=${SIZE - 5}-${SIZE + 500}` });
    expect(pastEnd.status).toBe(206);
    expect(pastEnd.body.length).toBe(5);
  });

  it("answers 416 with Content-Range: bytes */size when the range starts past the end", async () => {
    const response = await handSignedRequest({
      accessKey: sim.accessKey,
      url: sim.urls(MEDIA).preview2021Content,
      headers: { Range: `bytes=${SIZE}-` },
    });
    expect(response.status).toBe(416);
    expect(response.headers["content-range"]).toBe(`bytes */${SIZE}`);
  });

  it("generates content that exposes shifted or misordered blocks", () => {
    const first = sim.contentRange(MEDIA, 0, 2 * SEGMENT_BYTES);
    expect(first.readBigUInt64BE(0)).toBe(0n);
    expect(first.readBigUInt64BE(SEGMENT_BYTES)).toBe(1n);
    const secondMiB = sim.contentRange(MEDIA, 1024 * 1024, 1024 * 1024 + SEGMENT_BYTES);
    expect(secondMiB.readBigUInt64BE(0)).toBe(16n);
    expect(secondMiB.equals(first.subarray(0, SEGMENT_BYTES))).toBe(false);
    expect(secondMiB.subarray(8).equals(first.subarray(8, SEGMENT_BYTES))).toBe(true);
    const other = sim.contentRange(BIG, 0, 2 * SEGMENT_BYTES);
    expect(other.equals(first)).toBe(false);
    const pieces = Buffer.concat([sim.contentRange(MEDIA, 0, 1000), sim.contentRange(MEDIA, 1000, 70_000)]);
    expect(pieces.equals(sim.contentRange(MEDIA, 0, 70_000))).toBe(true);
    const hash = createHash("sha256")
      .update(sim.contentRange(MEDIA, 0, SIZE))
      .digest("hex");
    expect(sim.contentSha256(MEDIA)).toBe(hash);
  });

  it("serves metadata as octet-stream with Content-Range even on 200, and honours Range", async () => {
    const metadata = sim.metadataBytes(MEDIA);
    const whole = await sdk.storage("GET", sim.urls(MEDIA).metadataLocation);
    expect(whole.status).toBe(200);
    expect(whole.headers["content-type"]).toBe("application/octet-stream");
    expect(whole.headers["content-range"]).toBe(`bytes 0-${metadata.length - 1}/${metadata.length}`);
    expect(whole.body.equals(metadata)).toBe(true);
    const parsed = JSON.parse(metadata.toString()) as Record<string, unknown>;
    expect(parsed).toMatchObject({ chunkDocumentId: MEDIA, chunkIndex: 0, recordingInfo: { format: "mp4" } });
    expect(Object.keys(parsed)).toEqual(
      expect.arrayContaining([
        "resourceId",
        "callId",
        "chunkStartTime",
        "chunkDuration",
        "pauseResumeIntervals",
        "participants",
      ]),
    );
    const part = await sdk.storage("GET", sim.urls(MEDIA).metadataLocation, { Range: "bytes=0-9" });
    expect(part.status).toBe(206);
    expect(part.body.equals(metadata.subarray(0, 10))).toBe(true);
  });

  it("serves custom metadata verbatim", async () => {
    const body = '{"callId":"c","recordingInfo":{"audioConfiguration":{"sampleRate":16000}}}';
    sim.addDocument("custom-metadata", { size: 10, metadata: body });
    const response = await sdk.getPreview2021(sim.urls("custom-metadata").preview2021Metadata);
    expect(response.body.toString()).toBe(body);
  });

  it("uses /content/audio for audio formats and accepts /content/video too", async () => {
    expect(sim.urls(AUDIO).contentLocation.endsWith(`/v1/objects/${AUDIO}/content/audio`)).toBe(true);
    const audio = await sdk.storage("GET", sim.urls(AUDIO).contentLocation);
    expect(audio.headers["content-type"]).toBe("audio/mpeg");
    const video = await sdk.storage("GET", sim.urls(AUDIO).contentLocation.replace(/audio$/, "video"));
    expect(video.status).toBe(200);
    expect(video.body.equals(audio.body)).toBe(true);
  });

  it("can behave like a server that ignores Range", async () => {
    sim.addDocument("no-ranges", { size: 5000, ignoreRange: true });
    const response = await sdk.storage("GET", sim.urls("no-ranges").contentLocation, { Range: "bytes=100-199" });
    expect(response.status).toBe(200);
    expect(response.headers["content-range"]).toBeUndefined();
    expect(response.headers["accept-ranges"]).toBeUndefined();
    expect(response.body.length).toBe(5000);
  });

  it("deletes a document: 200, then every GET and a second DELETE answer 404", async () => {
    sim.addDocument("to-delete", { size: 1000 });
    const urls = sim.urls("to-delete");
    expect((await sdk.storage("DELETE", urls.deleteLocation)).status).toBe(200);
    expect(sim.document("to-delete")?.deleted).toBe(true);
    expect((await sdk.storage("GET", urls.contentLocation)).status).toBe(404);
    expect((await sdk.storage("GET", urls.metadataLocation)).status).toBe(404);
    expect((await sdk.getPreview2021(urls.preview2021Content)).status).toBe(404);
    const again = await sdk.storage("DELETE", urls.deleteLocation);
    expect(again.status).toBe(404);
    expect(JSON.parse(again.body.toString())).toMatchObject({ error: { code: "NotFound" } });
    expect(sim.counters.documents["to-delete"]).toMatchObject({ deletes: 1, notFound: 4, requests: 5 });
    expect((await sdk.storage("GET", sim.urls("never-registered").contentLocation)).status).toBe(404);
  });

  it("refuses methods a route does not answer to", async () => {
    const response = await sdk.storage("DELETE", sim.urls(MEDIA).contentLocation);
    expect(response.status).toBe(405);
  });

  it("counts per document and resets in place", async () => {
    const live = sim.counters;
    const totalsRef = sim.counters.totals;
    sim.resetCounters();
    expect(totalsRef.requests).toBe(0);
    await sdk.storage("GET", sim.urls(MEDIA).contentLocation, { Range: "bytes=0-999" });
    await sdk.storage("GET", sim.urls(MEDIA).metadataLocation);
    expect(live.documents[MEDIA]).toMatchObject({
      requests: 2,
      contentRequests: 1,
      contentBytesServed: 1000,
      metadataRequests: 1,
      metadataBytesServed: sim.metadataBytes(MEDIA).length,
    });
    expect(totalsRef.requests).toBe(2);
    const records = sim.requests.slice(-2);
    expect(records.map((record) => [record.documentId, record.status, record.bytesSent])).toEqual([
      [MEDIA, 206, 1000],
      [MEDIA, 200, sim.metadataBytes(MEDIA).length],
    ]);
  });
});
