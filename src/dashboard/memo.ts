/**
 * Shares one in-flight or recent result among callers for `ttlMs`. Several gauges read the same
 * snapshot during one scrape; this keeps it to one query per source per scrape, failures included
 * (a down backend is then asked once, not once per gauge).
 */
export function memo<T>(fetch: () => Promise<T>, ttlMs: number): () => Promise<T> {
  let cached: { at: number; value: Promise<T> } | undefined;
  return () => {
    const now = Date.now();
    if (!cached || now - cached.at > ttlMs) cached = { at: now, value: fetch() };
    return cached.value;
  };
}
