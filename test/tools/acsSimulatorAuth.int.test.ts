// Integration tier. Needs: the ACS simulator.
import { randomBytes } from "node:crypto";
import { parseClientArguments } from "@azure/communication-common";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAcsSimulator, type AcsSimulator } from "../../tools/acsSimulator";
import { handSignedRequest } from "./support/handSignedRequest";
import { SdkSigningClient } from "./support/sdkSigningClient";

const DOC = "0-eus-d1-auth0000000000000000000000000001";

describe("ACS simulator: HMAC-SHA256 as ACS verifies it", () => {
  let sim: AcsSimulator;
  let sdk: SdkSigningClient;

  beforeAll(async () => {
    sim = await startAcsSimulator();
    sim.addDocument(DOC, { size: 200_000 });
    sdk = new SdkSigningClient(sim.accessKey, sim.endpointUrl);
  });
  afterAll(() => sim.close());

  it("publishes a connection string the official parser understands", () => {
    const parsed = parseClientArguments(sim.connectionString);
    expect(parsed.url).toBe(`${sim.endpointUrl}/`);
    expect(sim.connectionString).toBe(`endpoint=${sim.endpointUrl}/;accesskey=${sim.accessKey}`);
    expect(sim.allowedHosts).toEqual([
      new URL(sim.endpointUrl).host,
      new URL(sim.storageUrl).host,
      new URL(sim.regionalUrl).host,
    ]);
    expect(sim.allowedHosts).not.toContain(new URL(sim.foreignUrl).host);
  });

  it("accepts 2021 preview API endpoint URLs signed by @azure/communication-common", async () => {
    const media = await sdk.getPreview2021(sim.urls(DOC).preview2021Content);
    expect(media.status).toBe(200);
    expect(media.body.equals(sim.contentRange(DOC, 0, 200_000))).toBe(true);
    const metadata = await sdk.getPreview2021(sim.urls(DOC).preview2021Metadata);
    expect(metadata.status).toBe(200);
    expect(metadata.body.equals(sim.metadataBytes(DOC))).toBe(true);
    expect(sim.requests.at(-1)).toMatchObject({ listener: "endpoint", authorized: true, status: 200 });
  });

  it("accepts storage URLs signed the call-automation SDK way (endpoint origin + path, x-ms-host)", async () => {
    const response = await sdk.storage("GET", sim.urls(DOC).contentLocation, { Range: "bytes=10-19" });
    expect(response.status).toBe(206);
    expect(response.body.equals(sim.contentRange(DOC, 10, 20))).toBe(true);
    const last = sim.requests.at(-1);
    expect(last).toMatchObject({ listener: "storage", authorized: true, status: 206, range: "bytes=10-19" });
    expect(last?.hostHeader).toBe(new URL(sim.storageUrl).host);
  });

  it("accepts the original 2021 quickstart's `Date` header variant", async () => {
    const response = await handSignedRequest({
      accessKey: sim.accessKey,
      url: sim.urls(DOC).preview2021Metadata,
      dateHeader: "date",
    });
    expect(response.status).toBe(200);
    expect(response.body.equals(sim.metadataBytes(DOC))).toBe(true);
  });

  it("refuses a request signed with another key", async () => {
    const other = new SdkSigningClient(randomBytes(32).toString("base64"), sim.endpointUrl);
    const response = await other.getPreview2021(sim.urls(DOC).preview2021Content);
    expect(response.status).toBe(401);
    expect(JSON.parse(response.body.toString())).toMatchObject({ error: { code: "Unauthorized" } });
    const last = sim.requests.at(-1);
    expect(last).toMatchObject({ authorized: false, status: 401 });
    expect(last?.authFailure).toMatch(/signature mismatch/);
    expect(response.body.toString()).not.toContain(sim.accessKey);
  });

  it("refuses a tampered path", async () => {
    const response = await handSignedRequest({
      accessKey: sim.accessKey,
      url: sim.urls(DOC).preview2021Metadata,
      signedPathAndQuery: new URL(sim.urls(DOC).preview2021Content).pathname + "?api-version=2021-04-15-preview1",
    });
    expect(response.status).toBe(401);
    expect(sim.requests.at(-1)?.authFailure).toMatch(/signature mismatch/);
  });

  it("refuses stale and future dates, and a missing date", async () => {
    const url = sim.urls(DOC).preview2021Content;
    const stale = await handSignedRequest({ accessKey: sim.accessKey, url, date: new Date(Date.now() - 16 * 60_000) });
    expect(stale.status).toBe(401);
    expect(sim.requests.at(-1)?.authFailure).toMatch(/stale/);
    const future = await handSignedRequest({ accessKey: sim.accessKey, url, date: new Date(Date.now() + 16 * 60_000) });
    expect(future.status).toBe(401);
    expect(sim.requests.at(-1)?.authFailure).toMatch(/future/);
    const missing = await handSignedRequest({ accessKey: sim.accessKey, url, omit: ["x-ms-date"] });
    expect(missing.status).toBe(401);
    expect(sim.requests.at(-1)?.authFailure).toMatch(/missing x-ms-date/);
    const withinSkew = await handSignedRequest({
      accessKey: sim.accessKey,
      url,
      date: new Date(Date.now() - 14 * 60_000),
      headers: { Range: "bytes=0-0" },
    });
    expect(withinSkew.status).toBe(206);
  });

  it("refuses a content hash that is not the hash of the body", async () => {
    const wrong = await handSignedRequest({
      accessKey: sim.accessKey,
      url: sim.urls(DOC).preview2021Content,
      contentHash: "n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=",
    });
    expect(wrong.status).toBe(401);
    expect(sim.requests.at(-1)?.authFailure).toMatch(/x-ms-content-sha256/);
    const withBody = await handSignedRequest({
      accessKey: sim.accessKey,
      url: sim.urls(DOC).preview2021Content,
      body: "payload",
      contentHash: "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
    });
    expect(withBody.status).toBe(401);
  });

  it("refuses storage requests without x-ms-host, or naming another host", async () => {
    const contentUrl = sim.urls(DOC).contentLocation;
    const signedPath = new URL(contentUrl).pathname;
    const endpointHost = new URL(sim.endpointUrl).host;
    const missing = await handSignedRequest({
      accessKey: sim.accessKey,
      url: contentUrl,
      signedPathAndQuery: signedPath,
      signedHost: endpointHost,
    });
    expect(missing.status).toBe(401);
    expect(sim.requests.at(-1)?.authFailure).toMatch(/missing x-ms-host/);
    const storageHost = new URL(sim.storageUrl).host;
    const wrongHost = await handSignedRequest({
      accessKey: sim.accessKey,
      url: contentUrl,
      signedPathAndQuery: signedPath,
      signedHost: storageHost,
      headers: { "x-ms-host": storageHost },
    });
    expect(wrongHost.status).toBe(401);
    expect(sim.requests.at(-1)?.authFailure).toMatch(/x-ms-host/);
    const right = await handSignedRequest({
      accessKey: sim.accessKey,
      url: contentUrl,
      signedPathAndQuery: signedPath,
      signedHost: endpointHost,
      headers: { "x-ms-host": endpointHost, Range: "bytes=0-3" },
    });
    expect(right.status).toBe(206);
  });

  it("signs storage paths without the query, and endpoint targets with it", async () => {
    const contentUrl = `${sim.urls(DOC).contentLocation}?sv=1`;
    const endpointHost = new URL(sim.endpointUrl).host;
    const withQuery = await handSignedRequest({
      accessKey: sim.accessKey,
      url: contentUrl,
      signedHost: endpointHost,
      headers: { "x-ms-host": endpointHost },
    });
    expect(withQuery.status).toBe(401);
    const viaSdk = await sdk.storage("GET", contentUrl, { Range: "bytes=0-0" });
    expect(viaSdk.status).toBe(206);
    const noQuery = await handSignedRequest({
      accessKey: sim.accessKey,
      url: sim.urls(DOC).preview2021Content,
      signedPathAndQuery: new URL(sim.urls(DOC).preview2021Content).pathname,
    });
    expect(noQuery.status).toBe(401);
  });

  it("requires api-version on 2021 preview API URLs and answers 404 for unknown routes after authenticating", async () => {
    const bare = sim.urls(DOC).preview2021Content.split("?")[0] as string;
    expect((await sdk.getPreview2021(bare)).status).toBe(400);
    expect((await sdk.getPreview2021(`${sim.endpointUrl}/nothing/here?api-version=1`)).status).toBe(404);
    const unsigned = await fetch(sim.urls(DOC).preview2021Content);
    expect(unsigned.status).toBe(401);
    expect(sim.requests.at(-1)?.authFailure).toMatch(/missing Authorization/);
  });

  it("honours maxClockSkewMs", async () => {
    const strict = await startAcsSimulator({ maxClockSkewMs: 2_000 });
    try {
      strict.addDocument("skew", { size: 10 });
      const url = strict.urls("skew").preview2021Content;
      const old = await handSignedRequest({ accessKey: strict.accessKey, url, date: new Date(Date.now() - 5_000) });
      expect(old.status).toBe(401);
      expect((await handSignedRequest({ accessKey: strict.accessKey, url })).status).toBe(200);
    } finally {
      await strict.close();
    }
  });

  it("verifies percent-encoded document ids the way the SDK signs them", async () => {
    const id = "weird id/é+1";
    sim.addDocument(id, { size: 100 });
    expect(sim.urls(id).contentLocation).toContain("/v1/objects/weird%20id%2F%C3%A9%2B1/content/video");
    const storage = await sdk.storage("GET", sim.urls(id).contentLocation);
    expect(storage.status).toBe(200);
    expect(storage.body.equals(sim.contentRange(id, 0, 100))).toBe(true);
    expect((await sdk.getPreview2021(sim.urls(id).preview2021Metadata)).status).toBe(200);
    expect(sim.requests.at(-1)?.documentId).toBe(id);
  });

  it("counts unauthorized requests per document", () => {
    expect(sim.counters.documents[DOC]?.unauthorized).toBeGreaterThanOrEqual(8);
    expect(sim.counters.totals.unauthorized).toBeGreaterThanOrEqual(sim.counters.documents[DOC]?.unauthorized ?? 0);
  });
});
