import type { BlockBlobClient } from "@azure/storage-blob";
import { isNotFound } from "../shared/errorKinds";

/**
 * Bytes a chunk has in its media blob so far: the blocks staged (uncommitted) by the running archive
 * job, or the committed size once it is done. Read-only; used to draw progress, never to decide anything.
 */
export function stagedBytesOf(blob: BlockBlobClient): () => Promise<number> {
  return async () => {
    try {
      const list = await blob.getBlockList("all");
      const sum = (blocks: readonly { size: number }[] | undefined): number =>
        (blocks ?? []).reduce((total, block) => total + block.size, 0);
      return Math.max(sum(list.committedBlocks), sum(list.uncommittedBlocks));
    } catch (error) {
      if (isNotFound(error)) return 0;
      throw error;
    }
  };
}
