/**
 * Reads a QBO query response from its bytes without building its records. The window loop needs
 * three fields of each record (Id, SyncToken, MetaData.LastUpdatedTime) and the page upsert sends
 * the body to PostgreSQL as it came: JSON.parse built a thousand objects a page only for those
 * three fields to be read and the rest left to the garbage collector, the largest CPU item of a
 * worker process.
 *
 * The scan checks the whole text as JSON.parse would (grammar, escapes, nothing after the value;
 * the caller checks UTF-8), so a truncated or garbled body is still refused before anything is
 * stored, and it reads what JSON.parse would: of duplicate keys, the last wins.
 */

import { isDigit, isHex, isNumberStart } from '../infra/json-bytes.js';

/** A value's JSON type, as far as the fields care. */
export const STRING = 1;
export const NUMBER = 2;
export const NULL = 3;
export const OBJECT = 4;
/** true, false or an array. */
export const OTHER = 5;

/** Where a value's text is in the body (a string's with its quotes). */
export interface ValueSpan {
  kind: number;
  start: number;
  end: number;
}

/** An object that is a record's MetaData or Metadata: where its LastUpdatedTime is. */
export interface MetaSpan extends ValueSpan {
  lastUpdated: ValueSpan | undefined;
}

/** One member of a record array: its text, and where the values of its fields are. */
export class RecordSpan {
  id: ValueSpan | undefined;
  syncToken: ValueSpan | undefined;
  /** The last `MetaData` and the last `Metadata` (the worker reads `MetaData ?? Metadata`). */
  metaData: ValueSpan | MetaSpan | undefined;
  metadata: ValueSpan | MetaSpan | undefined;
  end = 0;
  constructor(readonly start: number) {}
}

/** A member of QueryResponse: its text, and for an array, its members. */
export interface MemberSpan {
  start: number;
  end: number;
  records: RecordSpan[] | undefined;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const MINUS = 0x2d;
const N = 0x6e;

const QUERY_RESPONSE = Buffer.from('QueryResponse');
const ID = Buffer.from('Id');
const SYNC_TOKEN = Buffer.from('SyncToken');
const META_DATA = Buffer.from('MetaData');
const META_DATA_LOWER = Buffer.from('Metadata');
const LAST_UPDATED = Buffer.from('LastUpdatedTime');
const NULL_WORD = Buffer.from('null');
const TRUE_WORD = Buffer.from('true');
const FALSE_WORD = Buffer.from('false');

/**
 * Scans `b` (UTF-8 JSON text without a BOM) and returns the members of its last `QueryResponse`
 * in JSON.parse's key order, or undefined when that is not an object (or there is none). Throws a
 * SyntaxError where JSON.parse would, and a RangeError on nesting deeper than the stack.
 */
export function scanQboBody(b: Uint8Array): Map<string, MemberSpan> | undefined {
  const s = new Scanner(b);
  let members: Map<string, MemberSpan> | undefined;
  let i = s.ws(0);
  if (b[i] === LBRACE) {
    i = s.object(i, (key, at) => {
      if (b[at] !== LBRACE || !s.keyIs(key, QUERY_RESPONSE)) {
        const end = s.value(at);
        if (s.keyIs(key, QUERY_RESPONSE)) members = undefined;
        return end;
      }
      members = new Map();
      return s.queryResponse(at, members);
    });
  } else {
    i = s.value(i);
  }
  i = s.ws(i);
  if (i !== b.length) throw s.invalid('Unexpected non-whitespace character after JSON', i);
  return members;
}

/** A key's span: the string token, quotes included, and whether it holds an escape. */
interface Key {
  start: number;
  end: number;
  escaped: boolean;
}

class Scanner {
  private readonly n: number;
  private escaped = false;
  constructor(private readonly b: Uint8Array) {
    this.n = b.length;
  }

  /** QueryResponse's members: arrays are record arrays, the rest is kept as text. */
  queryResponse(at: number, members: Map<string, MemberSpan>): number {
    return this.object(at, (key, v) => {
      const name = this.text(key.start, key.end, key.escaped);
      if (this.b[v] !== LBRACKET) {
        const end = this.value(v);
        members.set(name, { start: v, end, records: undefined });
        return end;
      }
      const records: RecordSpan[] = [];
      const end = this.array(v, (r) => {
        const span = new RecordSpan(r);
        span.end = this.b[r] === LBRACE ? this.record(r, span) : this.value(r);
        records.push(span);
        return span.end;
      });
      members.set(name, { start: v, end, records });
      return end;
    });
  }

  /** One record object: where its Id, SyncToken and MetaData/Metadata are. */
  private record(at: number, span: RecordSpan): number {
    return this.object(at, (key, v) => {
      // Most keys are none of the four: their length says so.
      const length = key.end - key.start - 2;
      if (!key.escaped && length !== 2 && length !== 8 && length !== 9) return this.value(v);
      if (this.keyIs(key, ID)) return (span.id = this.scalar(v)).end;
      if (this.keyIs(key, SYNC_TOKEN)) return (span.syncToken = this.scalar(v)).end;
      const upper = this.keyIs(key, META_DATA);
      if (!upper && !this.keyIs(key, META_DATA_LOWER)) return this.value(v);
      let meta: ValueSpan | MetaSpan;
      if (this.b[v] === LBRACE) {
        const m: MetaSpan = { kind: OBJECT, start: v, end: 0, lastUpdated: undefined };
        m.end = this.object(v, (k, w) =>
          this.keyIs(k, LAST_UPDATED) ? (m.lastUpdated = this.scalar(w)).end : this.value(w),
        );
        meta = m;
      } else {
        meta = this.scalar(v);
      }
      if (upper) span.metaData = meta;
      else span.metadata = meta;
      return meta.end;
    });
  }

  /** Any value at `at`, with its kind (objects are checked, not read). */
  private scalar(at: number): ValueSpan {
    const c = this.b[at];
    const kind =
      c === QUOTE ? STRING : c === LBRACE ? OBJECT : c === N ? NULL : isNumberStart(c) ? NUMBER : OTHER;
    return { kind, start: at, end: this.value(at) };
  }

  /** Reads `{ "key": value, ... }` at `at`, handing each value to `member`; returns the end. */
  object(at: number, member: (key: Key, valueAt: number) => number): number {
    const b = this.b;
    // One key object for every member: `member` reads it before the next one is read.
    const key: Key = { start: 0, end: 0, escaped: false };
    let i = this.ws(at + 1);
    if (b[i] === RBRACE) return i + 1;
    for (;;) {
      if (b[i] !== QUOTE) throw this.invalid('Expected property name', i);
      key.start = i;
      i = this.string(i);
      key.end = i;
      key.escaped = this.escaped;
      i = this.ws(i);
      if (b[i] !== COLON) throw this.invalid("Expected ':' after property name", i);
      i = this.ws(member(key, this.ws(i + 1)));
      if (b[i] === COMMA) i = this.ws(i + 1);
      else if (b[i] === RBRACE) return i + 1;
      else throw this.invalid("Expected ',' or '}' after property value", i);
    }
  }

  /** Reads `[ value, ... ]` at `at`, handing each member to `element`; returns the end. */
  private array(at: number, element: (valueAt: number) => number): number {
    const b = this.b;
    let i = this.ws(at + 1);
    if (b[i] === RBRACKET) return i + 1;
    for (;;) {
      i = this.ws(element(i));
      if (b[i] === COMMA) i = this.ws(i + 1);
      else if (b[i] === RBRACKET) return i + 1;
      else throw this.invalid("Expected ',' or ']' after array element", i);
    }
  }

  /** Skips any value at `at` (checking it); returns its end. */
  value(at: number): number {
    const b = this.b;
    const c = b[at];
    if (c === QUOTE) return this.string(at);
    if (c === LBRACE) return this.skipObject(at);
    if (c === LBRACKET) return this.skipArray(at);
    if (isNumberStart(c)) return this.number(at);
    const word = c === N ? NULL_WORD : c === 0x74 ? TRUE_WORD : c === 0x66 ? FALSE_WORD : undefined;
    if (word !== undefined) {
      let k = 1;
      while (k < word.length && b[at + k] === word[k]) k++;
      if (k === word.length) return at + k;
    }
    throw this.invalid(at >= this.n ? 'Unexpected end of JSON input' : 'Unexpected token', at);
  }

  /** `object` without reading the keys: the bulk of every record. */
  private skipObject(at: number): number {
    const b = this.b;
    let i = this.ws(at + 1);
    if (b[i] === RBRACE) return i + 1;
    for (;;) {
      if (b[i] !== QUOTE) throw this.invalid('Expected property name', i);
      i = this.ws(this.string(i));
      if (b[i] !== COLON) throw this.invalid("Expected ':' after property name", i);
      i = this.ws(this.value(this.ws(i + 1)));
      if (b[i] === COMMA) i = this.ws(i + 1);
      else if (b[i] === RBRACE) return i + 1;
      else throw this.invalid("Expected ',' or '}' after property value", i);
    }
  }

  private skipArray(at: number): number {
    const b = this.b;
    let i = this.ws(at + 1);
    if (b[i] === RBRACKET) return i + 1;
    for (;;) {
      i = this.ws(this.value(i));
      if (b[i] === COMMA) i = this.ws(i + 1);
      else if (b[i] === RBRACKET) return i + 1;
      else throw this.invalid("Expected ',' or ']' after array element", i);
    }
  }

  /** Skips a string at `at` (its opening quote); sets `escaped`; returns the end. */
  private string(at: number): number {
    const { b, n } = this;
    let i = at + 1;
    let escaped = false;
    while (i < n) {
      const c = b[i]!;
      if (c === QUOTE) {
        this.escaped = escaped;
        return i + 1;
      }
      if (c === BACKSLASH) {
        escaped = true;
        const e = b[i + 1];
        if (e === 0x75 /* u */) {
          for (let k = 2; k < 6; k++) if (!isHex(b[i + k])) throw this.invalid('Bad Unicode escape', i);
          i += 6;
        } else if (
          // " \ / b f n r t
          e === QUOTE ||
          e === BACKSLASH ||
          e === 0x2f ||
          e === 0x62 ||
          e === 0x66 ||
          e === 0x6e ||
          e === 0x72 ||
          e === 0x74
        ) {
          i += 2;
        } else {
          throw this.invalid('Bad escaped character', i);
        }
      } else if (c < 0x20) {
        throw this.invalid('Bad control character in string literal', i);
      } else {
        i++;
      }
    }
    throw this.invalid('Unterminated string', at);
  }

  /** Skips -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? at `at`; returns the end. */
  private number(at: number): number {
    const b = this.b;
    let i = at;
    if (b[i] === MINUS) i++;
    if (b[i] === 0x30) i++;
    else if (isDigit(b[i])) while (isDigit(b[i])) i++;
    else throw this.invalid('No number after minus sign', i);
    if (b[i] === 0x2e) {
      i++;
      if (!isDigit(b[i])) throw this.invalid('Unterminated fractional number', i);
      while (isDigit(b[i])) i++;
    }
    if (b[i] === 0x65 || b[i] === 0x45) {
      i++;
      if (b[i] === 0x2b || b[i] === MINUS) i++;
      if (!isDigit(b[i])) throw this.invalid('Exponent part is missing a number', i);
      while (isDigit(b[i])) i++;
    }
    return i;
  }

  /** The first position from `at` that is not JSON whitespace. */
  ws(at: number): number {
    const b = this.b;
    // Compact JSON, as QBO sends it, has no whitespace: one comparison says so.
    if (b[at]! > 0x20) return at;
    let i = at;
    for (;;) {
      const c = b[i];
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return i;
      i++;
    }
  }

  /** Whether a key is `name` (bytes compared; an escaped key is decoded first). */
  keyIs(key: Key, name: Uint8Array): boolean {
    if (key.escaped) return this.text(key.start, key.end, true) === Buffer.from(name).toString('latin1');
    const len = key.end - key.start - 2;
    if (len !== name.length) return false;
    for (let k = 0; k < len; k++) if (this.b[key.start + 1 + k] !== name[k]) return false;
    return true;
  }

  /** The value of the string token between `start` and `end` (quotes included). */
  text(start: number, end: number, escaped: boolean): string {
    const raw = Buffer.from(this.b.buffer, this.b.byteOffset + start, end - start);
    return escaped ? (JSON.parse(raw.toString('utf8')) as string) : raw.toString('utf8', 1, raw.length - 1);
  }

  invalid(what: string, at: number): SyntaxError {
    return new SyntaxError(`${what} in JSON at position ${at}`);
  }
}
