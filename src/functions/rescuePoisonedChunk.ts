import { app, type InvocationContext, type StorageQueueHandler } from "@azure/functions";
import { lazyService, type Lazy } from "../app/serviceProvider";
import type { PoisonedChunkRescue } from "../pipeline/poisonedChunkRescue";
import { triggerQueueName } from "../config/appConfig";
import { poisonQueueName } from "../queue/chunkQueue";
import { escapingLog } from "../shared/logSafe";

/**
 * Queue trigger on `<CHUNK_QUEUE>-poison`: a chunk whose deliveries ended without an answer (crash,
 * out of memory, timeout) is re-queued while its deadline is ahead, or recorded under archive-failures/.
 * Throws when Storage fails or a setting is bad, so that the host tries again (never completing the message).
 */
export function rescuePoisonedChunk(rescue: Lazy<PoisonedChunkRescue>): StorageQueueHandler {
  return async (message: unknown, context: InvocationContext): Promise<void> => {
    await rescue().rescue(message, escapingLog(context));
  };
}

app.storageQueue("rescuePoisonedChunk", {
  queueName: poisonQueueName(triggerQueueName(process.env)),
  connection: "AzureWebJobsStorage",
  handler: rescuePoisonedChunk(lazyService((services) => services.poisonRescue)),
});
