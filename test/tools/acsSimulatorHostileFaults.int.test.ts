// Integration tier. Needs: the ACS simulator.
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  startAcsSimulator,
  type AcsSimulator,
  type FaultSpec,
  type SimDocumentOptions,
} from "../../tools/acsSimulator";
import { signedStorageGet, type RawResponse } from "./support/handSignedRequest";

// The simulator's hostile-server faults behave as tools/acsSimulator/README.md says.

const SIZE = 300_000;

describe("ACS simulator: hostile-server faults", () => {
  let sim: AcsSimulator;
  let serial = 0;
  beforeAll(async () => {
    sim = await startAcsSimulator();
  });
  afterAll(() => sim.close());

  function documentWith(faults: FaultSpec[], options: Partial<SimDocumentOptions> = {}): string {
    serial += 1;
    const documentId = `hostile-doc-${serial}`;
    sim.addDocument(documentId, { size: SIZE, faults, ...options });
    return documentId;
  }

  function get(
    url: string,
    headers: Record<string, string> = {},
    timeoutMs?: number,
    maxBodyBytes?: number,
  ): Promise<RawResponse> {
    return signedStorageGet(sim, url, headers, {
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
      ...(maxBodyBytes === undefined ? {} : { maxBodyBytes }),
    });
  }

  it("closeDelimited: 200 with no length or chunked framing, N bytes, then a clean close — even for a ranged request", async () => {
    const id = documentWith([{ kind: "closeDelimited", afterBytes: 1000 }]);
    const response = await get(sim.urls(id).contentLocation, { Range: "bytes=0-99999" });
    expect(response.status).toBe(200);
    expect(response.headers["content-length"]).toBeUndefined();
    expect(response.headers["transfer-encoding"]).toBeUndefined();
    expect(response.headers["content-range"]).toBeUndefined();
    expect(response.error).toBeUndefined(); // a clean end: the client cannot tell it from a complete body
    expect(response.body.equals(sim.contentRange(id, 0, 1000))).toBe(true);
  });

  it("endlessErrorBody: the status with a body that keeps coming until the client leaves", async () => {
    const id = documentWith([{ kind: "endlessErrorBody", status: 503, times: 1 }]);
    const response = await get(sim.urls(id).contentLocation, {}, undefined, 4 * 1024 * 1024);
    expect(response.status).toBe(503);
    expect(response.error).toBe("limit");
    expect(response.body.length).toBeGreaterThan(4 * 1024 * 1024);
    expect((await get(sim.urls(id).contentLocation)).status).toBe(200);
  });

  it("dropTerminator: chunked, every byte, then a reset before the last chunk; the size stays declared", async () => {
    const id = documentWith([{ kind: "dropTerminator", times: 1 }]);
    const response = await get(sim.urls(id).contentLocation, { Range: `bytes=1000-${SIZE - 1}` });
    expect(response.status).toBe(206);
    expect(response.headers["transfer-encoding"]).toBe("chunked");
    expect(response.headers["content-range"]).toBe(`bytes 1000-${SIZE - 1}/${SIZE}`);
    expect(response.body.equals(sim.contentRange(id, 1000, SIZE))).toBe(true);
    expect(response.error).toBeDefined();
  });

  it("resize: the answer describes another size; skipRequests lets earlier requests pass", async () => {
    const id = documentWith([{ kind: "resize", size: 5000, skipRequests: 1, times: 1 }]);
    expect((await get(sim.urls(id).contentLocation, { Range: "bytes=0-9" })).headers["content-range"]).toBe(
      `bytes 0-9/${SIZE}`,
    );
    expect((await get(sim.urls(id).contentLocation, { Range: "bytes=0-9" })).headers["content-range"]).toBe(
      "bytes 0-9/5000",
    );
    expect((await get(sim.urls(id).contentLocation, { Range: "bytes=0-9" })).headers["content-range"]).toBe(
      `bytes 0-9/${SIZE}`,
    );
  });

  it("contentMd5 sends the whole file's Content-MD5 on a 200; badMd5 sends a wrong one", async () => {
    const good = documentWith([], { contentMd5: true });
    const expected = createHash("md5")
      .update(sim.contentRange(good, 0, SIZE))
      .digest("base64");
    expect((await get(sim.urls(good).contentLocation)).headers["content-md5"]).toBe(expected);
    expect((await get(sim.urls(good).contentLocation, { Range: "bytes=0-9" })).headers["content-md5"]).toBeUndefined();
    const bad = documentWith([{ kind: "badMd5" }]);
    const answer = await get(sim.urls(bad).contentLocation);
    expect(answer.headers["content-md5"]).toBeDefined();
    expect(answer.headers["content-md5"]).not.toBe(createHash("md5").update(answer.body).digest("base64"));
  });

  it("stall with afterBytes: some bytes, then silence", async () => {
    const id = documentWith([{ kind: "stall", target: "metadata", afterBytes: 10, stallMs: 60_000, times: 1 }]);
    const response = await get(sim.urls(id).metadataLocation, {}, 1_000);
    expect(response.error).toBe("timeout");
    expect(response.body.length).toBe(10);
  });
});
