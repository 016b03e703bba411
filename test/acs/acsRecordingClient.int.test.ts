// Integration tier. Needs: the ACS simulator.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AcsClients } from "../../src/acs/acsClients";
import type { AcsRecordingClient } from "../../src/acs/acsRecordingClient";
import { parseConfig } from "../../src/config/appConfig";
import { AcsHttpError } from "../../src/errors";
import { startAcsSimulator, type AcsSimulator } from "../../tools/acsSimulator";
import { simSettings } from "../support/testSettings";

let sim: AcsSimulator;
let acs: AcsRecordingClient;
beforeAll(async () => {
  sim = await startAcsSimulator();
  const config = parseConfig(
    simSettings(sim, {
      AzureWebJobsStorage: "UseDevelopmentStorage=true",
    }),
  );
  acs = new AcsClients(config.acsResources, config.downloadHosts).forResource("", console);
});
afterAll(async () => sim.close());

describe("AcsRecordingClient reads error bodies to a bounded prefix, then drops the connection", () => {
  it.each([
    ["GET", 503],
    ["GET", 429],
    ["DELETE", 500],
  ] as const)(
    "%s answered %i with a body that never ends",
    async (method, status) => {
      const documentId = `doc-endless-${method}-${status}`;
      sim.addDocument(documentId, { size: 1000, faults: [{ kind: "endlessErrorBody", status, target: "any" }] });
      const urls = sim.urls(documentId);
      const call =
        method === "GET"
          ? acs.get(urls.contentLocation, { field: "contentLocation" })
          : acs.delete(urls.deleteLocation, { field: "deleteLocation" });
      const error = await call.catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(AcsHttpError);
      expect((error as AcsHttpError).statusCode).toBe(status);
      expect((error as AcsHttpError).message.length).toBeLessThan(400);
      // The simulator sees the client go away (it keeps writing until the connection is dropped).
      await expect
        .poll(
          () => sim.requests.filter((request) => request.documentId === documentId).every((request) => request.done),
          { timeout: 20_000 },
        )
        .toBe(true);
    },
    30_000,
  );
});
