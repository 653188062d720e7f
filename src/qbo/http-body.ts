import { parseQboTimestamp } from './qbo-record.js';

/**
 * The envelope's `"time":"..."`, which QBO writes after the QueryResponse: looked for in the body's
 * last bytes only, so a page is not searched (a record's own "time" field sits before it).
 */
export function envelopeTime(bytes: Buffer): Date | null {
  const tail = bytes.toString('utf8', Math.max(0, bytes.length - 80));
  const match = /"time"\s*:\s*"([^"]+)"\s*}\s*$/.exec(tail);
  return match ? parseQboTimestamp(match[1]) : null;
}

/** A body as text, as axios gave it before: UTF-8, without a byte order mark. */
export function bodyText(bytes: Buffer): string {
  const text = bytes.toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

export function headerValue(v: unknown): string | undefined {
  if (Array.isArray(v)) return typeof v[0] === 'string' ? v[0] : undefined;
  return typeof v === 'string' ? v : undefined;
}
