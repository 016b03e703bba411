// Integration tier. Needs: Azurite, the ACS simulator.
import { describe, expect, inject, it } from "vitest";
import { type FaultSpec } from "../../tools/acsSimulator";
import { archiveHarness, listBlobs } from "../support/archiveHarness";
import { capturingContext } from "../support/testSettings";
import { useAcsSimulator } from "../support/useAcsSimulator";

// "Every read has a deadline and a size bound": error bodies that never end and metadata
// bodies that stall cost one bounded read each, then a retry — never the invocation's whole budget.

const sim = useAcsSimulator();

const BLOCK = 256 * 1024;

describe("hostile bodies are read within a deadline and a size bound, then retried", () => {
  it.each<[string, FaultSpec[]]>([
    ["a 503 on the media whose body never ends", [{ kind: "endlessErrorBody", times: 2 }]],
    ["a 503 on the metadata whose body never ends", [{ kind: "endlessErrorBody", target: "metadata", times: 1 }]],
    [
      "a 500 on a later range whose body never ends",
      [{ kind: "endlessErrorBody", status: 500, skipRequests: 1, times: 1 }],
    ],
    [
      "a metadata body that stalls after a few bytes",
      [{ kind: "stall", target: "metadata", afterBytes: 10, stallMs: 10 * 60_000, times: 1 }],
    ],
    [
      "a metadata body that stalls before its first byte",
      [{ kind: "stall", target: "metadata", stallMs: 10 * 60_000, times: 1 }],
    ],
  ])(
    "%s",
    async (label, faults) => {
      const documentId = `doc-read-${label.replace(/\W+/g, "-")}`;
      const size = 3 * BLOCK + 1;
      const harness = archiveHarness(sim, inject("azuriteConnectionString"), {
        blockSize: BLOCK,
        idleTimeoutMs: 1_500,
      });
      sim.addDocument(documentId, { size, faults });
      const [message] = harness.messagesFor({ callId: `call-${documentId}`, chunks: [{ documentId, size }] });
      const { context, logs } = capturingContext();
      const result = await harness.job.run(message, context);
      expect(result.status, JSON.stringify(logs)).toBe("archived");
      const names = await listBlobs(harness.container, "calls/");
      const media = names.find((name) => !name.endsWith(".metadata.json"));
      const metadata = names.find((name) => name.endsWith(".metadata.json"));
      expect(await harness.blobSha256(media!)).toBe(sim.contentSha256(documentId));
      const stored = await harness.container.getBlobClient(metadata!).downloadToBuffer();
      expect(stored.equals(sim.metadataBytes(documentId))).toBe(true);
      // The error message keeps a short prefix of the body, nothing more.
      for (const line of logs) expect(line.message.length).toBeLessThan(2_000);
    },
    30_000,
  );
});
