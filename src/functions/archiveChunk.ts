import { app, type InvocationContext, type StorageQueueHandler } from "@azure/functions";
import { appServices } from "../app/services";
import type { ChunkArchiveJob } from "../archive/chunkArchiveJob";
import { MAX_DEQUEUE_COUNT } from "../storage/chunkQueue";


/**
 * Queue trigger: one message per recording chunk. Returns when the chunk is archived (or was already),
 * or when a permanent failure has been recorded under archive-failures/; throws on a transient failure
 * so that the queue delivers the message again (and after MAX_DEQUEUE_COUNT tries, moves it to poison).
 */
export function archiveChunk(job: ChunkArchiveJob): StorageQueueHandler {
  return async (message: unknown, context: InvocationContext): Promise<void> => {
    const dequeueCount = Number(context.triggerMetadata?.["dequeueCount"] ?? Number.NaN);
    const result = await job.run(message, context, {
      ...(Number.isFinite(dequeueCount) ? { dequeueCount } : {}),
      maxDequeueCount: MAX_DEQUEUE_COUNT,
    });
    // Archived, already archived, recorded as failed, or re-queued: the message is done. Otherwise
    // throwing makes the queue deliver it again (after host.json visibilityTimeout).
    if (result.status === "retry") throw result.error;
  };
}

const services = appServices();

app.storageQueue("archiveChunk", {
  queueName: services.config.chunkQueue,
  connection: "AzureWebJobsStorage",
  handler: archiveChunk(services.archiveJob),
});
