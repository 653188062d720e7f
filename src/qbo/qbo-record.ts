import { pageText, type PageText } from './qbo-json.js';

/** What the worker needs out of one QBO record; the payload itself is stored untouched. */
export interface ParsedRecord {
  /** Undefined when QBO sent a record without an Id (it is skipped and counted). */
  id: string | undefined;
  syncToken: number | null;
  /** MetaData.LastUpdatedTime as an instant, or null when absent or unreadable. */
  lastUpdated: Date | null;
  raw: unknown;
  /**
   * Where `raw` was read from: the response body and the record's position (0-based) in its array,
   * when the body was read with `parseQboBody`. The upsert stores that text instead of serialising
   * `raw` again, so a record changed in code must not keep it.
   */
  source?: RecordSource | undefined;
}

/** Where a record's text is: its page's body and its position in the record array. */
export interface RecordSource {
  page: PageText;
  index: number;
  /**
   * The record's own text as a byte range `[start, end)` of the body, when the body was scanned
   * as bytes (qbo-response.ts): the upsert then sends PostgreSQL those ranges, not the envelope.
   */
  start?: number;
  end?: number;
}

// QBO sends `2026-01-15T16:20:03-08:00`: second precision, the Pacific offset of that instant.
const QBO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** Parses a QBO timestamp with its own offset. A value without an offset is refused, not guessed. */
export function parseQboTimestamp(value: unknown): Date | null {
  if (typeof value !== 'string' || !QBO_TIMESTAMP.test(value)) return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : new Date(ms);
}

/**
 * Reads one record. Given its position in the page's array (as `Array.prototype.map` passes them:
 * `pageRecords(...).map(parseRecord)`), it also remembers where its text is in the body.
 */
export function parseRecord(raw: unknown, index?: number, page?: readonly unknown[]): ParsedRecord {
  const record = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const id =
    typeof record.Id === 'string' && record.Id !== ''
      ? record.Id
      : typeof record.Id === 'number'
        ? String(record.Id)
        : undefined;
  const st = record.SyncToken;
  const syncToken =
    typeof st === 'string' && /^\d+$/.test(st)
      ? Number(st)
      : typeof st === 'number' && Number.isInteger(st)
        ? st
        : null;
  const meta = (record.MetaData ?? record.Metadata) as Record<string, unknown> | undefined;
  const text = index !== undefined && page?.[index] === raw ? pageText(page) : undefined;
  return {
    id,
    syncToken,
    lastUpdated: parseQboTimestamp(meta?.LastUpdatedTime),
    raw,
    ...(text && index !== undefined ? { source: { page: text, index } } : {}),
  };
}

/** The records of a page. An empty page has no entity key at all: that is zero rows, not an error. */
export function pageRecords(queryResponse: Record<string, unknown>, qboName: string): unknown[] {
  const rows = queryResponse[qboName];
  if (rows === undefined) return [];
  if (!Array.isArray(rows)) throw new Error(`QueryResponse.${qboName} is not an array`);
  return rows;
}
