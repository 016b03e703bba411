import { isRestError } from "@azure/core-rest-pipeline";
import type { BlockBlobClient } from "@azure/storage-blob";

/**
 * Bytes a chunk has in its media blob so far: the blocks staged (uncommitted) by the running archive
 * job, or the committed size once it is done. Read-only; used to draw progress, never to decide anything.
 */
export function stagedBytesOf(blob: BlockBlobClient): () => Promise<number> {
  return async () => {
    try {
      const list = await blob.getBlockList("all");
      const sum = (blocks: readonly { size: number }[] | undefined): number => (blocks ?? []).reduce((total, block) => total + block.size, 0);
      return Math.max(sum(list.committedBlocks), sum(list.uncommittedBlocks));
    } catch (error) {
      if (isRestError(error) && error.statusCode === 404) return 0;
      throw error;
    }
  };
}
