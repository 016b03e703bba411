import { describe, expect, it } from "vitest";
import type { PoisonedChunkRescue, PoisonRescueResult } from "../../src/pipeline/poisonedChunkRescue";
import { AppNotConfiguredError, StorageUnavailableError } from "../../src/errors";
import { rescuePoisonedChunk } from "../../src/functions/rescuePoisonedChunk";
import { fakeService, notConfigured } from "../support/handlerHarness";
import { capturingContext } from "../support/testSettings";

function rescueOf(outcome: PoisonRescueResult | Error, inputs: unknown[] = []): () => PoisonedChunkRescue {
  const rescue = fakeService<PoisonedChunkRescue>({
    rescue: (input) => {
      inputs.push(input);
      return outcome instanceof Error ? Promise.reject(outcome) : Promise.resolve(outcome);
    },
  });
  return () => rescue;
}

async function deliver(rescue: () => PoisonedChunkRescue, message: unknown = { chunkKey: "k" }): Promise<void> {
  await rescuePoisonedChunk(rescue)(message, capturingContext("rescuePoisonedChunk").context);
}

describe("rescuePoisonedChunk: the poison queue trigger's complete-or-retry decisions", () => {
  it.each<PoisonRescueResult>([
    { status: "requeued", chunkKey: "k", delaySeconds: 60 },
    { status: "recorded", recordedAt: "archive-failures/x.json" },
    { status: "erased", chunkKey: "k" },
  ])(
    "completes the poisoned message once it is $status, having handed the rescue the message as it came",
    async (outcome) => {
      const inputs: unknown[] = [];
      await deliver(rescueOf(outcome, inputs), "raw text message");
      expect(inputs).toEqual(["raw text message"]);
    },
  );

  it("throws when Storage fails, so that the host tries again (the message is never completed unrescued)", async () => {
    const down = new StorageUnavailableError("The chunk queue did not answer.");
    await expect(deliver(rescueOf(down))).rejects.toBe(down);
  });

  it("throws AppNotConfiguredError while a setting is bad", async () => {
    await expect(deliver(notConfigured<PoisonedChunkRescue>())).rejects.toBeInstanceOf(AppNotConfiguredError);
  });
});
