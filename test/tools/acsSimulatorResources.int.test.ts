// Integration tier. Needs: the ACS simulator.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_TOPIC, startAcsSimulator, type AcsSimulator, type SimResource } from "../../tools/acsSimulator";
import { SdkSigningClient } from "./support/sdkSigningClient";

describe("ACS simulator: several ACS resources and key rotation", () => {
  let sim: AcsSimulator;
  let fabrikam: SimResource;

  beforeAll(async () => {
    sim = await startAcsSimulator();
    fabrikam = await sim.addResource({ name: "fabrikam-acs" });
    sim.addDocument("res-doc-first", { size: 10_000 });
    sim.addDocument("res-doc-fabrikam", { size: 20_000, resourceId: fabrikam.resourceId });
  });
  afterAll(() => sim.close());

  it("gives each resource its own id, endpoint and keys, and allows every endpoint for downloads", () => {
    expect(sim.resourceId).toBe(DEFAULT_TOPIC);
    expect(sim.resources.map((resource) => resource.name)).toEqual(["acs-sim", "fabrikam-acs"]);
    expect(fabrikam.resourceId).toMatch(/\/providers\/Microsoft\.Communication\/communicationServices\/fabrikam-acs$/);
    expect(fabrikam.endpointHost).not.toBe(sim.endpointHost);
    expect(new Set([sim.accessKey, sim.secondaryKey, fabrikam.accessKey, fabrikam.secondaryKey]).size).toBe(4);
    expect(fabrikam.connectionString).toBe(`endpoint=${fabrikam.endpointUrl}/;accesskey=${fabrikam.accessKey}`);
    expect(fabrikam.secondaryConnectionString).toBe(
      `endpoint=${fabrikam.endpointUrl}/;accesskey=${fabrikam.secondaryKey}`,
    );
    expect(sim.allowedHosts).toEqual([
      sim.endpointHost,
      fabrikam.endpointHost,
      new URL(sim.storageUrl).host,
      new URL(sim.regionalUrl).host,
    ]);
  });

  it("serves a resource's recordings on the shared storage host to either of its keys, and says which signed", async () => {
    const url = sim.urls("res-doc-fabrikam").contentLocation;
    expect(new URL(url).origin).toBe(sim.storageUrl);
    for (const [key, name] of [
      [fabrikam.accessKey, "primary"],
      [fabrikam.secondaryKey, "secondary"],
    ] as const) {
      const response = await new SdkSigningClient(key, fabrikam.endpointUrl).storage("GET", url);
      expect(response.status).toBe(200);
      expect(response.body.equals(sim.contentRange("res-doc-fabrikam", 0, 20_000))).toBe(true);
      expect(sim.requests.at(-1)).toMatchObject({
        authorized: true,
        resourceId: fabrikam.resourceId,
        signedWith: name,
      });
    }
    // 2021 preview API URLs live on the owning resource's endpoint.
    expect(new URL(sim.urls("res-doc-fabrikam").preview2021Content).host).toBe(fabrikam.endpointHost);
    const preview2021 = await new SdkSigningClient(fabrikam.accessKey, fabrikam.endpointUrl).getPreview2021(
      sim.urls("res-doc-fabrikam").preview2021Content,
    );
    expect(preview2021.status).toBe(200);
  });

  it("refuses another resource's valid signature for a recording (403), and a host that is no resource's (401)", async () => {
    const firstKeyOnFabrikam = await new SdkSigningClient(sim.accessKey, sim.endpointUrl).storage(
      "GET",
      sim.urls("res-doc-fabrikam").contentLocation,
    );
    expect(firstKeyOnFabrikam.status).toBe(403);
    expect(sim.requests.at(-1)).toMatchObject({ authorized: false, status: 403 });
    expect(sim.requests.at(-1)?.authFailure).toMatch(/another ACS resource/);

    // The first resource's key on fabrikam's endpoint (x-ms-host fabrikam): the signature does not verify.
    const wrongKey = await new SdkSigningClient(sim.accessKey, fabrikam.endpointUrl).storage(
      "GET",
      sim.urls("res-doc-fabrikam").contentLocation,
    );
    expect(wrongKey.status).toBe(401);
    const unknownHost = await new SdkSigningClient(sim.accessKey, sim.foreignUrl).storage(
      "GET",
      sim.urls("res-doc-first").contentLocation,
    );
    expect(unknownHost.status).toBe(401);
    expect(sim.requests.at(-1)?.authFailure).toMatch(/not the host of an ACS resource/);
  });

  it("refuses a regenerated key at once while the other key keeps working", async () => {
    const url = sim.urls("res-doc-first").contentLocation;
    const oldPrimary = sim.accessKey;
    const newPrimary = sim.regenerateKey("primary");
    expect(newPrimary).not.toBe(oldPrimary);
    expect(sim.accessKey).toBe(newPrimary);
    expect(sim.connectionString).toContain(`accesskey=${newPrimary}`);
    expect((await new SdkSigningClient(oldPrimary, sim.endpointUrl).storage("GET", url)).status).toBe(401);
    expect((await new SdkSigningClient(newPrimary, sim.endpointUrl).storage("GET", url)).status).toBe(200);
    expect((await new SdkSigningClient(sim.secondaryKey, sim.endpointUrl).storage("GET", url)).status).toBe(200);
    expect(sim.requests.at(-1)).toMatchObject({ signedWith: "secondary" });
    // A chosen value (to put a key back, as an operator's settings might still hold it).
    expect(sim.regenerateKey("primary", oldPrimary)).toBe(oldPrimary);
    expect((await new SdkSigningClient(oldPrimary, sim.endpointUrl).storage("GET", url)).status).toBe(200);
  });

  it("names an event's topic and registers its recordings for the resource it names", () => {
    const event = sim.recordingEvent({
      resourceId: fabrikam.resourceId,
      chunks: [{ documentId: "res-doc-event", size: 1000 }],
    });
    expect(event.topic).toBe(fabrikam.resourceId);
    expect(sim.document("res-doc-event")?.resourceId).toBe(fabrikam.resourceId);
    expect(sim.recordingEvent({ chunks: [{ documentId: "res-doc-default", size: 1000 }] }).topic).toBe(sim.resourceId);
    expect(() =>
      sim.addDocument("res-doc-nobody", {
        size: 1,
        resourceId: "/subscriptions/x/resourceGroups/y/providers/Microsoft.Communication/communicationServices/z",
      }),
    ).toThrow(/no resource/);
  });
});
