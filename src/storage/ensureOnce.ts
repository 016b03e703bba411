/** Runs `action` once; concurrent callers share the run, and a failed run is retried by the next caller. */
export function ensureOnce(action: () => Promise<void>): () => Promise<void> {
  let pending: Promise<void> | undefined;
  return () => {
    pending ??= action().catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
}
