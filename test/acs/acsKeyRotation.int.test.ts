// Integration tier. Needs: the ACS simulator, loopback servers.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PRIMARY_RETRY_AFTER_MS } from "../../src/acs/acsKeyChoice";
import { AcsKeyRing, AcsRecordingClient } from "../../src/acs/acsRecordingClient";
import { parseConfig, type AppConfig } from "../../src/config/appConfig";
import { AcsHttpError } from "../../src/errors";
import { startAcsSimulator, type AcsSimulator, type SimResource } from "../../tools/acsSimulator";
import { RecordingLog } from "../support/intakeRig";
import { simSettings } from "../support/testSettings";

/** The ACS client's second try with the other key, against the simulator's real signature checks. */
describe("AcsRecordingClient: key rotation", () => {
  let sim: AcsSimulator;
  let fabrikam: SimResource;
  let config: AppConfig;

  beforeAll(async () => {
    sim = await startAcsSimulator();
    fabrikam = await sim.addResource({ name: "fabrikam-acs" });
    sim.addDocument("rot-doc", { size: 50_000 });
    sim.addDocument("rot-fabrikam", { size: 1_000, resourceId: fabrikam.resourceId });
    config = parseConfig(
      simSettings(sim, {
        AzureWebJobsStorage: "UseDevelopmentStorage=true",
        ACS_SECONDARY_CONNECTION_STRING: sim.secondaryConnectionString,
      }),
    );
  });
  afterAll(() => sim.close());

  function client(now: () => number = Date.now): { acs: AcsRecordingClient; log: RecordingLog } {
    const connection = config.acsResources.defaultConnection;
    if (!connection) throw new Error("no default connection");
    const log = new RecordingLog();
    return { acs: new AcsRecordingClient(new AcsKeyRing(connection, now), config.downloadHosts, { log }), log };
  }

  const get = (acs: AcsRecordingClient): Promise<number> =>
    acs
      .get(sim.urls("rot-doc").contentLocation, { field: "contentLocation", range: { start: 0, end: 99 } })
      .then((response) => {
        response.body?.resume();
        return response.status;
      });

  it("uses the secondary key once the primary is refused, remembers it, and goes back to the primary when it works again", async () => {
    let now = 1_000_000;
    const { acs, log } = client(() => now);
    const configuredPrimary = sim.accessKey;
    expect(await get(acs)).toBe(206);
    expect(sim.requests.at(-1)).toMatchObject({ signedWith: "primary" });

    sim.regenerateKey("primary");
    const before = sim.requests.length;
    expect(await get(acs)).toBe(206);
    expect(sim.requests.slice(before).map((request) => [request.status, request.signedWith])).toEqual([
      [401, undefined],
      [206, "secondary"],
    ]);
    expect(log.at("warn")).toHaveLength(1);
    expect(log.at("warn")[0]).toMatch(
      /the primary key \(ACS_CONNECTION_STRING\) was refused \(HTTP 401\) and the secondary key \(ACS_SECONDARY_CONNECTION_STRING\) was accepted/,
    );
    expect(log.at("warn")[0]).toContain(`tries the primary key again every ${PRIMARY_RETRY_AFTER_MS / 60_000} minutes`);

    // Remembered: no 401 for the next requests.
    const remembered = sim.requests.length;
    expect(await get(acs)).toBe(206);
    expect(sim.requests.slice(remembered).map((request) => request.signedWith)).toEqual(["secondary"]);

    // Some minutes later one request tries the primary again: still refused, so the secondary serves it.
    now += PRIMARY_RETRY_AFTER_MS;
    const probe = sim.requests.length;
    expect(await get(acs)).toBe(206);
    expect(sim.requests.slice(probe).map((request) => request.status)).toEqual([401, 206]);
    expect(log.at("warn")).toHaveLength(1);

    // The primary in the settings is accepted again (here: ACS holds it again): the client goes back to it.
    sim.regenerateKey("primary", configuredPrimary);
    now += PRIMARY_RETRY_AFTER_MS;
    const back = sim.requests.length;
    expect(await get(acs)).toBe(206);
    expect(sim.requests.slice(back).map((request) => request.signedWith)).toEqual(["primary"]);
    expect(
      log.lines.some(
        (line) =>
          line.level === "info" && /the primary key \(ACS_CONNECTION_STRING\) is accepted again/.test(line.text),
      ),
    ).toBe(true);

    const text = log.lines.map((line) => line.text).join("\n");
    for (const key of [sim.accessKey, sim.secondaryKey]) expect(text).not.toContain(key);
  });

  it("names both keys' settings (never the keys) when both are refused, without a third try", async () => {
    const { acs } = client();
    const primary = sim.accessKey;
    const secondary = sim.secondaryKey;
    sim.regenerateKey("primary");
    sim.regenerateKey("secondary");
    try {
      const before = sim.requests.length;
      const error = await get(acs).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(AcsHttpError);
      expect((error as AcsHttpError).statusCode).toBe(401);
      expect((error as AcsHttpError).message).toMatch(
        /the primary key \(ACS_CONNECTION_STRING\) was refused with HTTP 401, the secondary key \(ACS_SECONDARY_CONNECTION_STRING\) with HTTP 401/,
      );
      expect(sim.requests.length - before).toBe(2);
      for (const key of [primary, secondary, sim.accessKey, sim.secondaryKey])
        expect((error as Error).message).not.toContain(key);
    } finally {
      sim.regenerateKey("primary", primary);
      sim.regenerateKey("secondary", secondary);
    }
  });

  it("takes a 403 as a refused key too (here: another resource's recording), and says which key signed", async () => {
    const { acs } = client();
    const error = await acs
      .get(sim.urls("rot-fabrikam").contentLocation, { field: "contentLocation" })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AcsHttpError);
    expect((error as AcsHttpError).statusCode).toBe(403);
    expect((error as AcsHttpError).message).toMatch(
      /the primary key \(ACS_CONNECTION_STRING\) was refused with HTTP 403, the secondary key .* with HTTP 403/,
    );
  });
});
