import { randomBytes } from "node:crypto";
import { QueueClient } from "@azure/storage-queue";
import { expect } from "vitest";
import { createServices } from "../../src/app/services";
import { parseConfig } from "../../src/config/appConfig";
import type { Log } from "../../src/shared/log";
import type { AcsSimulator } from "../../tools/acsSimulator";

/**
 * Archives recordings with the app's own composition root, the way the host runs it: intake (expected record, deadline
 * markers, queue), then each queued message through the archive job (and its participant-index step when
 * PARTICIPANT_INDEX_KEY is set). Each recording has `chunksPerRecording` chunks whose metadata lists `participants`;
 * `onMessage` sees each queued chunk message before it is archived.
 */
export async function archiveRecordings(
  sim: AcsSimulator,
  queueConnectionString: string,
  settings: Record<string, string>,
  recordings: readonly (readonly string[])[],
  log: Log,
  chunksPerRecording = 2,
  onMessage?: (message: unknown) => Promise<void>,
): Promise<void> {
  const config = parseConfig(settings);
  const services = createServices(config);
  const queue = new QueueClient(queueConnectionString, config.chunkQueue);
  for (const participants of recordings) {
    const chunks = Array.from({ length: chunksPerRecording }, (_, position) => {
      const documentId = `0-eus-d1-${randomBytes(12).toString("hex")}`;
      sim.addDocument(documentId, {
        size: 200_000 + position * 1_000,
        metadata: {
          chunkDocumentId: documentId,
          participants: participants.map((participantId) => ({ participantId })),
        },
      });
      return { documentId, size: 200_000 + position * 1_000 };
    });
    const report = await services.intake.receive([sim.recordingEvent({ chunks })], "test", log);
    expect(report).toMatchObject({ enqueued: chunksPerRecording, rejected: [] });
    const received = await queue.receiveMessages({ numberOfMessages: 32 });
    expect(received.receivedMessageItems).toHaveLength(chunksPerRecording);
    for (const item of received.receivedMessageItems) {
      const text = Buffer.from(item.messageText, "base64").toString("utf8");
      await onMessage?.(JSON.parse(text) as unknown);
      const result = await services.archiveJob.run(text, log);
      expect(result.status, JSON.stringify(result)).toBe("archived");
      await queue.deleteMessage(item.messageId, item.popReceipt);
    }
  }
}
