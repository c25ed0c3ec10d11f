// Run tasks with at most `limit` in flight; results in input order. A task that throws does not
// stop the others: its error comes back in its slot.

export type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown }

export async function mapBounded<I, T>(
  items: readonly I[],
  limit: number,
  task: (item: I, index: number) => Promise<T>
): Promise<Settled<T>[]> {
  const results: Settled<T>[] = new Array(items.length)
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++
      try {
        results[index] = { ok: true, value: await task(items[index], index) }
      } catch (error) {
        results[index] = { ok: false, error }
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return results
}
