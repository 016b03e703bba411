// Integration tier. Needs: the ACS simulator, loopback servers.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { parseCliArgs, parseSize } from "../../tools/acsSimulator/cliArgs";
import { runCli } from "../../tools/acsSimulator/cliRunner";
import { SdkSigningClient } from "./support/sdkSigningClient";

describe("ACS simulator CLI", () => {
  it("parses sizes in binary and decimal units", () => {
    expect(parseSize("64MiB")).toBe(64 * 1024 * 1024);
    expect(parseSize("1.5GiB")).toBe(1610612736);
    expect(parseSize("10MB")).toBe(10_000_000);
    expect(parseSize("12345")).toBe(12345);
    expect(() => parseSize("lots")).toThrow(/invalid size/);
  });

  it("parses documents, faults and event flags", () => {
    const options = parseCliArgs([
      "--port",
      "40001",
      "--access-key",
      "a2V5",
      "--document",
      "doc1:64MiB",
      "--fault",
      "doc1:status:status=503,times=2,retryAfterSeconds=1,target=any",
      "--fault",
      "doc1:redirect:redirectTo=https://elsewhere.example:8443/x",
      "--fault",
      "doc1:bandwidth:bytesPerSecond=4MiB",
      "--post-event",
      "http://127.0.0.1:7071/runtime/webhooks/EventGrid",
      "--event-schema",
      "cloudevents",
      "--era",
      "preview",
    ]);
    expect(options).toEqual({
      port: 40001,
      accessKey: "a2V5",
      documents: [{ documentId: "doc1", size: 64 * 1024 * 1024 }],
      faults: [
        { documentId: "doc1", fault: { kind: "status", status: 503, times: 2, retryAfterSeconds: 1, target: "any" } },
        { documentId: "doc1", fault: { kind: "redirect", redirectTo: "https://elsewhere.example:8443/x" } },
        { documentId: "doc1", fault: { kind: "bandwidth", bytesPerSecond: 4 * 1024 * 1024 } },
      ],
      postEventUrls: ["http://127.0.0.1:7071/runtime/webhooks/EventGrid"],
      eventSchema: "cloudevents",
      era: "preview",
    });
    expect(() => parseCliArgs(["--fault", "doc1:explode"])).toThrow(/kind must be one of/);
    expect(() => parseCliArgs(["--bogus"])).toThrow(/unknown argument/);
    expect(() => parseCliArgs(["--port"])).toThrow(/needs a value/);
  });

  it("starts a simulator, prints how to reach it, arms faults and posts the event", async () => {
    const received: unknown[] = [];
    const webhook = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        received.push(JSON.parse(Buffer.concat(chunks).toString()));
        res.writeHead(202).end();
      });
    });
    await new Promise<void>((resolve) => webhook.listen(0, "127.0.0.1", resolve));
    const webhookUrl = `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/hook`;
    const lines: string[] = [];
    const sim = await runCli(
      parseCliArgs([
        "--document",
        "cli-doc:64KiB",
        "--fault",
        "cli-doc:status:status=500,times=1",
        "--post-event",
        webhookUrl,
      ]),
      (line) => lines.push(line),
    );
    try {
      const output = lines.join("\n");
      expect(output).toContain(sim.connectionString);
      expect(output).toContain(`ALLOWED_DOWNLOAD_HOSTS=${sim.allowedHosts.join(",")}`);
      expect(output).toContain(sim.urls("cli-doc").contentLocation);
      expect(output).toMatch(/posted event .* HTTP 202/);
      expect(received).toHaveLength(1);
      const sdk = new SdkSigningClient(sim.accessKey, sim.endpointUrl);
      expect((await sdk.storage("GET", sim.urls("cli-doc").contentLocation)).status).toBe(500);
      expect((await sdk.storage("GET", sim.urls("cli-doc").contentLocation)).body.length).toBe(64 * 1024);
    } finally {
      await sim.close();
      await new Promise((resolve) => webhook.close(resolve));
    }
  });
});
