/**
 * Caches the result of an async loader for the life of the container (warm invocations reuse
 * it). A failed load is not cached: the next call tries again, so one transient S3 error during
 * a cold start does not poison the container until it is recycled.
 */
export function cacheAsync<T>(load: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    if (pending === undefined) {
      const attempt = load();
      pending = attempt;
      attempt.catch(() => {
        if (pending === attempt) pending = undefined;
      });
    }
    return pending;
  };
}
