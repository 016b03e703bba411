import { app, type InvocationContext, type StorageQueueHandler } from "@azure/functions";
import { lazyService, type Lazy } from "../app/serviceProvider";
import type { ChunkArchiveJob } from "../pipeline/chunkArchiveJob";
import { triggerQueueName } from "../config/appConfig";
import { MAX_DEQUEUE_COUNT } from "../queue/chunkQueue";
import { escapingLog } from "../shared/logSafe";

/**
 * Queue trigger: one message per recording chunk. Returns when the chunk is archived (or was already),
 * or when a permanent failure has been recorded under archive-failures/; throws on a transient failure
 * or a bad setting so that the queue delivers the message again (and after MAX_DEQUEUE_COUNT tries,
 * moves it to poison): a message is never completed unless its chunk is archived or recorded.
 */
export function archiveChunk(job: Lazy<ChunkArchiveJob>): StorageQueueHandler {
  return async (message: unknown, context: InvocationContext): Promise<void> => {
    const dequeueCount = Number(context.triggerMetadata?.["dequeueCount"] ?? Number.NaN);
    const result = await job().run(message, escapingLog(context), {
      ...(Number.isFinite(dequeueCount) ? { dequeueCount } : {}),
      maxDequeueCount: MAX_DEQUEUE_COUNT,
    });
    // Archived, already archived, recorded as failed, or re-queued: the message is done. Otherwise
    // throwing makes the queue deliver it again (after host.json visibilityTimeout).
    if (result.status === "retry") throw result.error;
  };
}

app.storageQueue("archiveChunk", {
  queueName: triggerQueueName(process.env),
  connection: "AzureWebJobsStorage",
  handler: archiveChunk(lazyService((services) => services.archiveJob)),
});
