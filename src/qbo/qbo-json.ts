/**
 * Reads a QBO response body and remembers, on each record array of `QueryResponse`, the body it
 * came from. The page upsert then sends that body as it is and lets PostgreSQL pick the records
 * out: re-serialising a parsed page with JSON.stringify cost Node as much as parsing it, and
 * rounded any number a double cannot hold.
 */

/** The text a record array was parsed from, and where the array sits in it. */
export interface PageText {
  /** The response body exactly as received: its text, or its UTF-8 bytes (see qbo-response.ts). */
  readonly body: string | Buffer;
  /** JSON path of the array inside the body: `['QueryResponse', 'Invoice']`. */
  readonly path: readonly string[];
}

const PAGE_TEXT = Symbol('qbo.pageText');

/**
 * JSON.parse of a response body; every array member of `QueryResponse` is marked with its
 * {@link PageText} (a hidden property: the parsed value is otherwise what JSON.parse returns).
 */
export function parseQboBody(body: string): unknown {
  const parsed: unknown = JSON.parse(body);
  const queryResponse = (parsed as { QueryResponse?: unknown } | null)?.QueryResponse;
  if (!queryResponse || typeof queryResponse !== 'object') return parsed;
  for (const [key, value] of Object.entries(queryResponse)) {
    if (Array.isArray(value)) markPageText(value, { body, path: ['QueryResponse', key] });
  }
  return parsed;
}

/** Marks an array of records as read from `text` (a hidden property). */
export function markPageText(records: unknown[], text: PageText): void {
  Object.defineProperty(records, PAGE_TEXT, { value: text });
}

/** The body an array of records was parsed from, when {@link parseQboBody} read it. */
export function pageText(records: readonly unknown[] | undefined): PageText | undefined {
  const text = (records as { [PAGE_TEXT]?: PageText } | undefined)?.[PAGE_TEXT];
  return text && (typeof text.body === 'string' || Buffer.isBuffer(text.body)) ? text : undefined;
}
