// Integration tier. Needs: Azurite, the ACS simulator.
import { describe, expect, inject, it } from "vitest";
import { stagedBlockSize } from "../../src/archive/transfer/blockPlan";
import { MemoryBudget } from "../../src/archive/transfer/memoryBudget";
import { type SimDocumentOptions } from "../../tools/acsSimulator";
import { archiveHarness } from "../support/archiveHarness";
import { capturingContext } from "../support/testSettings";
import { useAcsSimulator } from "../support/useAcsSimulator";

// Hostile and broken sources against one shared memory budget: whatever a server does (more or fewer bytes than it
// announced, a huge announced size, stalls, resets, error bodies that never end), every buffer goes back to the budget
// when the chunk's attempt ends, and the budget is never exceeded.

const BLOCK = 256 * 1024;
const LAST_DELIVERY = { dequeueCount: 5, maxDequeueCount: 5 };

const sim = useAcsSimulator();

const HOSTILE: readonly [string, SimDocumentOptions][] = [
  ["whole, fewer bytes than announced", { size: BLOCK - 10, faults: [{ kind: "truncate", afterBytes: 1000 }] }],
  ["whole, reset mid-body", { size: BLOCK - 10, faults: [{ kind: "reset", afterBytes: 5000 }] }],
  ["whole, stalls", { size: BLOCK - 10, faults: [{ kind: "stall", afterBytes: 100, stallMs: 4_000 }] }],
  ["whole, announces a huge size", { size: BLOCK - 10, faults: [{ kind: "resize", size: 2 ** 50 }] }],
  ["whole, grows mid-body", { size: BLOCK - 10, faults: [{ kind: "resize", size: 3 * BLOCK, skipRequests: 1 }] }],
  [
    "ranged, fewer bytes than announced",
    { size: 5 * BLOCK + 3, faults: [{ kind: "truncate", afterBytes: 7000, skipRequests: 1 }] },
  ],
  [
    "ranged, reset in a later range",
    { size: 5 * BLOCK + 3, faults: [{ kind: "reset", afterBytes: 9000, skipRequests: 2 }] },
  ],
  [
    "ranged, stalls in a later range",
    { size: 5 * BLOCK + 3, faults: [{ kind: "stall", afterBytes: 10, stallMs: 4_000, skipRequests: 1 }] },
  ],
  ["ranged, announces a huge size", { size: 5 * BLOCK + 3, faults: [{ kind: "resize", size: 2 ** 50 }] }],
  [
    "ranged, a later range announces another size",
    { size: 5 * BLOCK + 3, faults: [{ kind: "resize", size: 9 * BLOCK, skipRequests: 2 }] },
  ],
  [
    "ranged, a later range fails with 500 and a body that never ends",
    { size: 5 * BLOCK + 3, faults: [{ kind: "endlessErrorBody", status: 500, skipRequests: 1 }] },
  ],
  [
    "ranged, a later range answers 404",
    { size: 5 * BLOCK + 3, faults: [{ kind: "status", status: 404, skipRequests: 1 }] },
  ],
  [
    "ignores Range, fewer bytes than announced",
    { size: 3 * BLOCK + 1, ignoreRange: true, faults: [{ kind: "truncate", afterBytes: BLOCK + 7 }] },
  ],
  [
    "ignores Range, stalls",
    { size: 3 * BLOCK + 1, ignoreRange: true, faults: [{ kind: "stall", afterBytes: BLOCK + 7, stallMs: 4_000 }] },
  ],
  ["ignores Range, no length", { size: 3 * BLOCK + 1, ignoreRange: true, faults: [{ kind: "closeDelimited" }] }],
  ["ignores Range, Content-MD5 lies", { size: 3 * BLOCK + 1, ignoreRange: true, faults: [{ kind: "badMd5" }] }],
];

describe("the memory budget under hostile sources", () => {
  it("gives back every buffer whatever the source does, and never holds more than the budget", async () => {
    const memory = new MemoryBudget(6 * BLOCK, stagedBlockSize(BLOCK));
    const harness = archiveHarness(sim, inject("azuriteConnectionString"), {
      blockSize: BLOCK,
      concurrency: 3,
      memory,
      idleTimeoutMs: 1_000,
      invocationBudgetMs: 8_000,
    });
    const chunks = HOSTILE.map(([, options], i) => {
      const documentId = `hostile-budget-${i}`;
      sim.addDocument(documentId, options);
      return { documentId, size: options.size };
    });
    const messages = harness.messagesFor({ callId: "call-hostile-budget", chunks });
    let worst = 0;
    const sampler = setInterval(() => (worst = Math.max(worst, memory.usage().heldBytes)), 1);
    const { context } = capturingContext();
    const results = await Promise.all(messages.map((message) => harness.job.run(message, context, LAST_DELIVERY)));
    clearInterval(sampler);
    // Each ends with an outcome of its own (a source that changed size is archived as it now is; a trickle ends at the
    // invocation's budget), never with the budget's error or a wait.
    const outcomes = new Set(["archived", "retriesExhausted", "unverifiable", "failed"]);
    expect(
      results
        .map((result, i) => `${HOSTILE[i]?.[0]}: ${result.status}`)
        .filter((line) => !outcomes.has(line.slice(line.lastIndexOf(" ") + 1))),
    ).toEqual([]);
    expect(worst).toBeLessThanOrEqual(memory.limitBytes);
    expect(memory.usage()).toMatchObject({ heldBytes: 0, waitingChunks: 0, waitingBuffers: 0 });
    expect(memory.usage().allocatedBytes).toBeLessThanOrEqual(memory.limitBytes);
  }, 120_000);
});
