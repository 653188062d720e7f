/**
 * The body of QBO's change data capture answer:
 * `{"CDCResponse":[{"QueryResponse":[{"Invoice":[...],"startPosition":1,...},{}]}],"time":"..."}`,
 * one QueryResponse per entity asked for (an entity without changes is `{}`). A deleted object is
 * a stub, `{"domain":"QBO","status":"Deleted","Id":"..","MetaData":{"LastUpdatedTime":".."}}`:
 * its LastUpdatedTime is the deletion's time.
 */
import { parseQboTimestamp, parseRecord, type ParsedRecord } from './qbo-record.js';
import { QboNetworkError } from './qbo-errors.js';

/** One changed object: its newest state, or a deletion. */
export interface CdcChange {
  record: ParsedRecord;
  deleted: boolean;
}

export interface CdcResult {
  /** Changes by QBO entity name. */
  changes: Map<string, CdcChange[]>;
  /** Objects in the response, every entity together: QBO caps a response at 1000. */
  objects: number;
  /** The answer's own `time`: QBO's clock when it answered. */
  time: Date | null;
  intuitTid: string | undefined;
  /** The request as sent (`GET /cdc?entities=..&changedSince=..`), for the raw rows' audit. */
  request: string;
  /** HTTP requests this answer took, retries included. */
  requests: number;
}

export function readCdcBody(
  bytes: Buffer,
  intuitTid: string | undefined,
): Omit<CdcResult, 'request' | 'requests'> {
  let body: unknown;
  try {
    body = JSON.parse(bytes.toString('utf8'));
  } catch (cause) {
    // A 200 cut short: retried like any truncated answer, never half-used.
    throw new QboNetworkError(`truncated or invalid JSON body (${bytes.length} bytes)`, {
      status: 200,
      intuitTid,
      cause,
    });
  }
  const envelope = (body ?? {}) as { CDCResponse?: unknown; time?: unknown };
  if (!Array.isArray(envelope.CDCResponse)) {
    throw new QboNetworkError('response has no CDCResponse', { status: 200, intuitTid });
  }
  const changes = new Map<string, CdcChange[]>();
  let objects = 0;
  for (const part of envelope.CDCResponse as { QueryResponse?: unknown }[]) {
    const responses = Array.isArray(part?.QueryResponse) ? (part.QueryResponse as unknown[]) : [];
    for (const response of responses) {
      if (!response || typeof response !== 'object') continue;
      for (const [key, value] of Object.entries(response as Record<string, unknown>)) {
        if (!Array.isArray(value)) continue; // startPosition, maxResults, totalCount
        const list = changes.get(key) ?? [];
        for (const raw of value) {
          const deleted = (raw as { status?: unknown } | null)?.status === 'Deleted';
          list.push({ record: parseRecord(raw), deleted });
          objects++;
        }
        changes.set(key, list);
      }
    }
  }
  // The envelope's `time` has a variable number of fraction digits and its own offset.
  return { changes, objects, time: parseQboTimestamp(envelope.time), intuitTid };
}
