/**
 * A QBO query response read from the bytes that came over the wire. A body the scan can take
 * (valid UTF-8, no escape jsonb refuses, see qbo-body-scan.ts) is never parsed whole: its
 * QueryResponse holds the small members as JSON.parse reads them, each record array is parsed only
 * if something asks for it, and the window loop takes the records with just Id, SyncToken and
 * LastUpdatedTime read and the body's bytes as their source, which the page upsert sends to
 * PostgreSQL as they are. Any other body goes through parseQboBody, as every body did before.
 */
import { isUtf8 } from 'node:buffer';
import { markPageText, parseQboBody, type PageText } from './qbo-json.js';
import {
  NULL,
  NUMBER,
  OBJECT,
  scanQboBody,
  STRING,
  type MetaSpan,
  type RecordSpan,
  type ValueSpan,
} from './body-scan.js';
import {
  pageRecords,
  parseQboTimestamp,
  parseRecord,
  type ParsedRecord,
  type RecordSource,
} from './qbo-record.js';
import { hasSuspectEscape } from '../infra/storable-json.js';

const SCANNED = Symbol('qbo.scannedRecords');

/**
 * The `QueryResponse` of a body, or undefined when it has none that is an object. Throws a
 * SyntaxError when the body is not JSON (cut short, garbled).
 */
export function readQueryResponse(bytes: Buffer): Record<string, unknown> | undefined {
  // What axios did with the text: a UTF-8 byte order mark is not part of the JSON.
  const body = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
  if (isUtf8(body) && !hasSuspectEscape(body)) {
    let members;
    try {
      members = scanQboBody(body);
    } catch (err) {
      // Deeper nesting than the scan's stack: JSON.parse has none, let it decide.
      if (!(err instanceof RangeError)) throw err;
    }
    if (members) return scannedResponse(body, members);
  }
  // Not UTF-8 (decoded with replacement characters, as before), escapes jsonb refuses (each record
  // is made storable on its own), or an odd shape: JSON.parse reads it.
  const parsed = parseQboBody(body.toString('utf8'));
  const queryResponse = (parsed as { QueryResponse?: unknown } | null)?.QueryResponse;
  return queryResponse && typeof queryResponse === 'object'
    ? (queryResponse as Record<string, unknown>)
    : undefined;
}

/** The records of a page as the window loop reads them (records of a scanned body, or parsed ones). */
export function readPageRecords(queryResponse: Record<string, unknown>, qboName: string): ParsedRecord[] {
  const scanned = (queryResponse as { [SCANNED]?: Map<string, ParsedRecord[]> })[SCANNED]?.get(qboName);
  return scanned ? scanned.slice() : pageRecords(queryResponse, qboName).map(parseRecord);
}

function scannedResponse(
  body: Buffer,
  members: Map<string, { start: number; end: number; records: RecordSpan[] | undefined }>,
): Record<string, unknown> {
  const queryResponse: Record<string, unknown> = {};
  const scanned = new Map<string, ParsedRecord[]>();
  // Own properties, as JSON.parse makes them (even one named __proto__).
  const define = (key: string, value: unknown) =>
    Object.defineProperty(queryResponse, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  for (const [key, member] of members) {
    const text = () => body.toString('utf8', member.start, member.end);
    if (!member.records) {
      define(key, JSON.parse(text()));
      continue;
    }
    const page: PageText = { body, path: ['QueryResponse', key] };
    scanned.set(
      key,
      member.records.map((span, index) => new ScannedRecord(body, span, page, index)),
    );
    Object.defineProperty(queryResponse, key, {
      enumerable: true,
      configurable: true,
      get() {
        const records = JSON.parse(text()) as unknown[];
        markPageText(records, page);
        define(key, records);
        return records;
      },
    });
  }
  Object.defineProperty(queryResponse, SCANNED, { value: scanned });
  return queryResponse;
}

/** A record of a scanned body: the fields parseRecord would read, and the record itself on demand. */
class ScannedRecord implements ParsedRecord {
  readonly id: string | undefined;
  readonly syncToken: number | null;
  readonly lastUpdated: Date | null;
  readonly source: RecordSource;
  #raw: unknown;
  #parsed = false;

  // The span is not kept: its value objects die young instead of living, four per record, for as
  // long as the page (a page's survivors are what a scavenge copies; GC was a fifth of a worker's CPU).
  constructor(
    private readonly body: Buffer,
    span: RecordSpan,
    page: PageText,
    index: number,
  ) {
    this.id = recordId(body, span.id);
    this.syncToken = syncToken(body, span.syncToken);
    // record.MetaData ?? record.Metadata, then its LastUpdatedTime.
    const meta = span.metaData && span.metaData.kind !== NULL ? span.metaData : span.metadata;
    const updated = meta?.kind === OBJECT ? (meta as MetaSpan).lastUpdated : undefined;
    this.lastUpdated = updated?.kind === STRING ? parseQboTimestamp(stringValue(body, updated)) : null;
    this.source = { page, index, start: span.start, end: span.end };
  }

  /** The record as JSON.parse reads it (only records made storable in code need it). */
  get raw(): unknown {
    if (!this.#parsed) {
      this.#raw = JSON.parse(this.body.toString('utf8', this.source.start, this.source.end));
      this.#parsed = true;
    }
    return this.#raw;
  }
}

/** As parseRecord: a non-empty string, or a number written as String() writes it. */
function recordId(body: Buffer, span: ValueSpan | undefined): string | undefined {
  if (span?.kind === STRING) {
    const id = stringValue(body, span);
    return id === '' ? undefined : id;
  }
  return span?.kind === NUMBER ? String(Number(body.toString('latin1', span.start, span.end))) : undefined;
}

/** As parseRecord: digits in a string, or an integer. */
function syncToken(body: Buffer, span: ValueSpan | undefined): number | null {
  if (span?.kind === STRING) {
    const st = stringValue(body, span);
    return /^\d+$/.test(st) ? Number(st) : null;
  }
  if (span?.kind !== NUMBER) return null;
  const n = Number(body.toString('latin1', span.start, span.end));
  return Number.isInteger(n) ? n : null;
}

function stringValue(body: Buffer, span: ValueSpan): string {
  for (let i = span.start + 1; i < span.end - 1; i++) {
    if (body[i] === 0x5c) return JSON.parse(body.toString('utf8', span.start, span.end)) as string;
  }
  return body.toString('utf8', span.start + 1, span.end - 1);
}
