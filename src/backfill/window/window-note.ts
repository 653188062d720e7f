import type { Adjusted } from '../../raw/upsert-page.js';

/**
 * What a succeeded window says beside its counters: a reconciliation shortfall, and the records
 * stored with a change that made them storable, counted by reason.
 */
export function windowNote(result: {
  shortfall: string | null;
  adjusted: Record<string, number>;
}): string | null {
  const adjusted = Object.entries(result.adjusted).map(([reason, n]) => `${n} ${reason}`);
  const parts = [
    result.shortfall,
    adjusted.length
      ? `records stored with a change: ${adjusted.join(', ')} (jsonb cannot hold them as sent)`
      : null,
  ].filter((p): p is string => p !== null);
  return parts.length ? parts.join('; ') : null;
}

/** Adds a page's adjusted-record counts to `into`, by reason; returns `into`. */
export function addAdjusted(into: Record<string, number>, page: Adjusted): Record<string, number> {
  for (const [reason, n] of Object.entries(page)) into[reason] = (into[reason] ?? 0) + n;
  return into;
}
