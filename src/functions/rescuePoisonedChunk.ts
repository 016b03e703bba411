import { app, type InvocationContext, type StorageQueueHandler } from "@azure/functions";
import { appServices } from "../app/services";
import type { PoisonedChunkRescue } from "../archive/poisonedChunkRescue";
import { poisonQueueName } from "../storage/chunkQueue";

/**
 * Queue trigger on `<CHUNK_QUEUE>-poison`: a chunk whose deliveries ended without an answer (crash,
 * out of memory, timeout) is re-queued while its deadline is ahead, or recorded under archive-failures/.
 * Throws only when Storage fails, so that the host tries again.
 */
export function rescuePoisonedChunk(rescue: PoisonedChunkRescue): StorageQueueHandler {
  return async (message: unknown, context: InvocationContext): Promise<void> => {
    await rescue.rescue(message, context);
  };
}

const services = appServices();

app.storageQueue("rescuePoisonedChunk", {
  queueName: poisonQueueName(services.config.chunkQueue),
  connection: "AzureWebJobsStorage",
  handler: rescuePoisonedChunk(services.poisonRescue),
});
