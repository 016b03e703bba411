// Integration tier. Needs: the ACS simulator.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startAcsSimulator, type AcsSimulator, type FaultSpec } from "../../tools/acsSimulator";
import { handSignedRequest, signedStorageGet, type RawResponse } from "./support/handSignedRequest";
import { SdkSigningClient } from "./support/sdkSigningClient";

const SIZE = 1024 * 1024;

describe("ACS simulator: injected faults", () => {
  let sim: AcsSimulator;
  let sdk: SdkSigningClient;
  let serial = 0;

  beforeAll(async () => {
    sim = await startAcsSimulator();
    sdk = new SdkSigningClient(sim.accessKey, sim.endpointUrl);
  });
  afterAll(() => sim.close());

  /** A fresh document with the given faults. */
  function documentWith(faults: FaultSpec[], size = SIZE): string {
    serial += 1;
    const documentId = `fault-doc-${serial}`;
    sim.addDocument(documentId, { size, faults });
    return documentId;
  }

  /** GET a storage URL signed like the SDK, over node:http (to observe resets and short bodies). */
  function get(url: string, headers: Record<string, string> = {}, timeoutMs?: number): Promise<RawResponse> {
    return signedStorageGet(sim, url, headers, timeoutMs === undefined ? {} : { timeoutMs });
  }

  it("reset: without afterBytes the connection is reset before any response", async () => {
    const id = documentWith([{ kind: "reset", times: 1 }]);
    const failed = await get(sim.urls(id).contentLocation);
    expect(failed.status).toBe(0);
    expect(failed.error).toBe("ECONNRESET");
    const retried = await get(sim.urls(id).contentLocation);
    expect(retried.status).toBe(200);
    expect(retried.body.equals(sim.contentRange(id, 0, SIZE))).toBe(true);
    expect(sim.counters.documents[id]?.faultsInjected.reset).toBe(1);
  });

  it("reset: after N body bytes the socket is reset, and at most N bytes were served", async () => {
    const id = documentWith([{ kind: "reset", afterBytes: 300_000, times: 1 }]);
    const failed = await get(sim.urls(id).contentLocation);
    expect(failed.status).toBe(200);
    expect(failed.complete).toBe(false);
    expect(failed.error).toBeDefined();
    expect(failed.body.length).toBe(300_000);
    expect(failed.body.equals(sim.contentRange(id, 0, failed.body.length))).toBe(true);
    expect(sim.counters.documents[id]?.contentBytesServed).toBe(300_000);
    const resumed = await get(sim.urls(id).contentLocation, { Range: `bytes=${failed.body.length}-` });
    expect(resumed.status).toBe(206);
    expect(Buffer.concat([failed.body, resumed.body]).equals(sim.contentRange(id, 0, SIZE))).toBe(true);
    expect(sim.counters.documents[id]?.contentBytesServed).toBe(300_000 + SIZE - failed.body.length);
  });

  it("truncate: headers promise the whole body, the connection ends cleanly after N bytes", async () => {
    const id = documentWith([{ kind: "truncate", afterBytes: 123_456, times: 1 }]);
    const failed = await get(sim.urls(id).contentLocation);
    expect(failed.status).toBe(200);
    expect(failed.headers["content-length"]).toBe(String(SIZE));
    expect(failed.body.length).toBe(123_456);
    expect(failed.complete).toBe(false);
    const record = sim.requests.at(-1);
    expect(record).toMatchObject({ fault: "truncate", bytesSent: 123_456, status: 200 });
    await vi.waitFor(() => expect(record?.done).toBe(true));
    const ranged = documentWith([{ kind: "truncate", times: 1 }]);
    const half = await get(sim.urls(ranged).contentLocation, { Range: "bytes=1000-1999" });
    expect(half.status).toBe(206);
    expect(half.body.equals(sim.contentRange(ranged, 1000, 1500))).toBe(true);
  });

  it("status: answers the status (with Retry-After) the first K times, then serves", async () => {
    const id = documentWith([{ kind: "status", status: 503, retryAfterSeconds: 2, times: 2 }]);
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const refused = await sdk.storage("GET", sim.urls(id).contentLocation);
      expect(refused.status).toBe(503);
      expect(refused.headers["retry-after"]).toBe("2");
      expect(JSON.parse(refused.body.toString())).toHaveProperty("error.code");
    }
    expect((await sdk.storage("GET", sim.urls(id).contentLocation)).status).toBe(200);
    const throttled = documentWith([{ kind: "status", status: 429, times: 1 }]);
    const response = await sdk.storage("GET", sim.urls(throttled).contentLocation);
    expect(response.status).toBe(429);
    expect(response.headers["retry-after"]).toBeUndefined();
    expect(sim.counters.totals.faultsInjected.status).toBeGreaterThanOrEqual(3);
  });

  it("redirect: 302 to the same path on the regional host, which serves it and does not loop", async () => {
    const id = documentWith([{ kind: "redirect" }]);
    const contentUrl = sim.urls(id).contentLocation;
    const redirected = await get(contentUrl, { Range: "bytes=0-99" });
    expect(redirected.status).toBe(302);
    const location = redirected.headers.location as string;
    expect(location).toBe(`${sim.regionalUrl}${new URL(contentUrl).pathname}`);
    const regional = await sdk.storage("GET", location, { Range: "bytes=0-99" });
    expect(regional.status).toBe(206);
    expect(regional.body.equals(sim.contentRange(id, 0, 100))).toBe(true);
    expect(sim.requests.at(-1)?.listener).toBe("regional");
  });

  it("redirect: to the foreign host, which records what reaches it (here: a signed request)", async () => {
    const id = documentWith([{ kind: "redirect", redirectTo: "foreign", times: 1 }]);
    const redirected = await get(sim.urls(id).contentLocation);
    const location = redirected.headers.location as string;
    expect(location.startsWith(sim.foreignUrl)).toBe(true);
    await sdk.storage("GET", location);
    const foreign = sim.requests.filter((record) => record.listener === "foreign");
    expect(foreign.at(-1)?.headers.authorization).toMatch(/^HMAC-SHA256 /);
    expect(sim.counters.totals.foreignRequests).toBeGreaterThanOrEqual(1);
    const absolute = documentWith([{ kind: "redirect", redirectTo: "https://example.invalid/x", times: 1 }]);
    expect((await get(sim.urls(absolute).contentLocation)).headers.location).toBe("https://example.invalid/x");
  });

  it("expired: the document answers 404 as if ACS had already deleted it", async () => {
    const id = documentWith([{ kind: "expired", target: "any" }]);
    expect((await sdk.storage("GET", sim.urls(id).contentLocation)).status).toBe(404);
    expect((await sdk.storage("GET", sim.urls(id).metadataLocation)).status).toBe(404);
    expect((await sdk.getPreview2021(sim.urls(id).preview2021Content)).status).toBe(404);
    expect(sim.counters.documents[id]?.faultsInjected.expired).toBe(3);
  });

  // How closely the cap is kept is measured by `npm run bench:sim` (timing belongs in benchmarks).
  it("bandwidth: a capped body still arrives whole", async () => {
    const size = 2 * 1024 * 1024;
    const id = documentWith([{ kind: "bandwidth", bytesPerSecond: 4 * 1024 * 1024 }], size);
    const response = await get(sim.urls(id).contentLocation);
    expect(response.body.length).toBe(size);
    expect(sim.counters.documents[id]?.faultsInjected.bandwidth).toBe(1);
  });

  it("stall: sends headers then nothing, so a client timeout fires; without one the body follows", async () => {
    const id = documentWith([{ kind: "stall", stallMs: 400 }]);
    const timedOut = await get(sim.urls(id).contentLocation, {}, 150);
    expect(timedOut.error).toBe("timeout");
    expect(timedOut.status).toBe(200);
    expect(timedOut.body.length).toBe(0);
    const patient = await get(sim.urls(id).contentLocation);
    expect(patient.body.length).toBe(SIZE);
  });

  it("targets metadata or delete only when asked, and setFaults replaces the armed faults", async () => {
    const id = documentWith([{ kind: "status", status: 500, target: "metadata" }]);
    expect((await sdk.storage("GET", sim.urls(id).contentLocation, { Range: "bytes=0-0" })).status).toBe(206);
    expect((await sdk.storage("GET", sim.urls(id).metadataLocation)).status).toBe(500);
    sim.setFaults(id, [{ kind: "status", status: 502, target: "delete", times: 1 }]);
    expect((await sdk.storage("GET", sim.urls(id).metadataLocation)).status).toBe(200);
    expect((await sdk.storage("DELETE", sim.urls(id).deleteLocation)).status).toBe(502);
    expect(sim.document(id)?.deleted).toBe(false);
    expect(sim.document(id)?.faults[0]?.remaining).toBe(0);
    expect((await sdk.storage("DELETE", sim.urls(id).deleteLocation)).status).toBe(200);
  });

  it("delete: a reset leaves the document, a truncate deletes it but loses the answer", async () => {
    const id = documentWith([
      { kind: "reset", target: "delete", times: 1 },
      { kind: "truncate", target: "delete", times: 1 },
    ]);
    const deleteUrl = sim.urls(id).deleteLocation;
    const endpointHost = new URL(sim.endpointUrl).host;
    const del = () =>
      handSignedRequest({
        accessKey: sim.accessKey,
        method: "DELETE",
        url: deleteUrl,
        signedHost: endpointHost,
        headers: { "x-ms-host": endpointHost },
      });
    expect((await del()).error).toBe("ECONNRESET");
    expect(sim.document(id)?.deleted).toBe(false);
    const lost = await del();
    expect(lost.status).toBe(0);
    expect(lost.error).toBeDefined();
    expect(sim.document(id)?.deleted).toBe(true);
    expect((await del()).status).toBe(404);
  });

  it("does not spend faults on unauthorized requests", async () => {
    const id = documentWith([{ kind: "status", status: 500, times: 1 }]);
    const unsigned = await fetch(sim.urls(id).contentLocation);
    expect(unsigned.status).toBe(401);
    expect((await sdk.storage("GET", sim.urls(id).contentLocation)).status).toBe(500);
    expect((await sdk.storage("GET", sim.urls(id).contentLocation)).status).toBe(200);
  });
});
