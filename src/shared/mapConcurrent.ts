/**
 * Runs `work` over `items` with at most `limit` calls in flight. Every item is attempted; the result
 * holds each outcome in input order (like Promise.allSettled), so one failure does not hide others.
 * Once `abortSignal` fires, items not started yet are not started: each is rejected with the signal's
 * reason, so a deadline ends the whole run instead of failing its remaining items one by one.
 */
export async function mapConcurrent<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
  options: { abortSignal?: AbortSignal } = {},
): Promise<PromiseSettledResult<R>[]> {
  const results = new Array<PromiseSettledResult<R>>(items.length);
  const { abortSignal } = options;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      if (abortSignal?.aborted) {
        results[index] = { status: "rejected", reason: abortSignal.reason as unknown };
        continue;
      }
      try {
        results[index] = { status: "fulfilled", value: await work(items[index] as T, index) };
      } catch (reason) {
        results[index] = { status: "rejected", reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}
