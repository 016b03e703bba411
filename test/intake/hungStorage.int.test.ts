// Integration tier. Needs: loopback servers.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StorageUnavailableError } from "../../src/errors";
import { readEnvelope } from "../../src/events/eventEnvelope";
import { chunkMessagesFromEvent } from "../../src/events/recordingEvent";
import { intakeRig, RecordingLog } from "../support/intakeRig";
import { eventGridEvent, gaChunk, gaData } from "../support/recordingEvents";
import { startSilentStorage, type SilentStorage } from "../support/silentStorage";

// Storage that accepts connections and never answers. Every intake Storage call carries a client-side
// deadline (storageSignal), the client's own retries included, so each call ends in StorageUnavailableError
// — not after Event Grid's 30 s window, and not never. The app's real retry settings (STORAGE_RETRY) are used.
// Bounds are generous (well under 30 s); the assertion is on the outcome.
const WELL_INSIDE_EVENT_GRID_WINDOW_MS = 25_000;

let silent: SilentStorage;
let stalling: SilentStorage;
beforeAll(async () => {
  silent = await startSilentStorage();
  stalling = await startSilentStorage("headersOnly");
});
afterAll(async () => {
  await silent.stop();
  await stalling.stop();
});

async function outcome(work: () => Promise<unknown>): Promise<{ error: StorageUnavailableError; elapsedMs: number }> {
  const started = Date.now();
  try {
    await work();
  } catch (error) {
    if (error instanceof StorageUnavailableError) return { error, elapsedMs: Date.now() - started };
    throw new Error(`expected StorageUnavailableError, got ${String(error)}`, { cause: error });
  }
  throw new Error("reported success against storage that never answers");
}

function messagesOf(
  event: Record<string, unknown>,
  rig: ReturnType<typeof intakeRig>,
): ReturnType<typeof chunkMessagesFromEvent> {
  const envelope = readEnvelope(event);
  if (!envelope) throw new Error("not an event");
  return chunkMessagesFromEvent(envelope, rig.config);
}

describe.concurrent("intake against Storage that never answers", () => {
  const hung = (): ReturnType<typeof intakeRig> => intakeRig(silent.connectionString);

  it("ChunkQueue.enqueue gives up with StorageUnavailableError, saying Storage did not answer in time", async () => {
    const rig = hung();
    const { error, elapsedMs } = await outcome(() =>
      rig.chunkQueue.enqueue(messagesOf(eventGridEvent({ data: gaData([gaChunk(0), gaChunk(1)]) }), rig)),
    );
    expect(error.message).toContain(rig.queue.name);
    expect(error.message).toMatch(/did not answer in time/);
    // The calls reached the silent server: the deadline, not a refused connection, ended them.
    expect(silent.connections).toBeGreaterThan(0);
    expect(elapsedMs).toBeLessThan(WELL_INSIDE_EVENT_GRID_WINDOW_MS);
  });

  it("ChunkQueue.requeue gives up with StorageUnavailableError", async () => {
    const rig = hung();
    const [message] = messagesOf(eventGridEvent(), rig);
    if (!message) throw new Error("no message");
    const { elapsedMs } = await outcome(() => rig.chunkQueue.requeue(message, 60));
    expect(elapsedMs).toBeLessThan(WELL_INSIDE_EVENT_GRID_WINDOW_MS);
  });

  it("Quarantine.keep gives up with StorageUnavailableError", async () => {
    const rig = hung();
    const { error, elapsedMs } = await outcome(() =>
      rig.quarantine.keep({ reason: { code: "InvalidJson", message: "not JSON" }, receivedVia: "test", input: "{" }),
    );
    expect(error.message).toContain(rig.container.containerName);
    expect(elapsedMs).toBeLessThan(WELL_INSIDE_EVENT_GRID_WINDOW_MS);
  });

  it("RecordingIntake.receive (queue and quarantine both hung) throws StorageUnavailableError and says the rejected event was NOT kept", async () => {
    const rig = hung();
    const log = new RecordingLog();
    const invalid = eventGridEvent({ id: "evt-never-kept", data: gaData([]) });
    const { elapsedMs } = await outcome(() => rig.intake.receive([eventGridEvent(), invalid], "test", log));
    expect(
      log.at("error").some((line) => line.includes("evt-never-kept") && line.includes("could NOT be quarantined")),
    ).toBe(true);
    expect(log.at("info")).toEqual([]);
    expect(elapsedMs).toBeLessThan(WELL_INSIDE_EVENT_GRID_WINDOW_MS);
  });

  it("a Storage answer whose body never comes (status and headers, then silence) ends the same way", async () => {
    const rig = intakeRig(stalling.connectionString);
    const { elapsedMs } = await outcome(() =>
      rig.intake.receive([eventGridEvent(), eventGridEvent({ data: gaData([]) })], "test", new RecordingLog()),
    );
    expect(stalling.connections).toBeGreaterThan(0);
    expect(elapsedMs).toBeLessThan(WELL_INSIDE_EVENT_GRID_WINDOW_MS);
  });
});
