/**
 * Reads a QBO response body and keeps, beside each record of `QueryResponse`, the record's own JSON
 * text exactly as QBO sent it. The page upsert stores that text as it is: re-serialising a parsed
 * page with JSON.stringify cost as much as parsing it, and rounded any number a double cannot hold.
 */

const SOURCE_TEXT = Symbol('qbo.sourceText');

/** JSON.parse of a response body, with each `QueryResponse.<Entity>[k]` record's text attached. */
export function parseQboBody(body: string): unknown {
  const parsed: unknown = JSON.parse(body);
  const queryResponse = (parsed as { QueryResponse?: unknown } | null)?.QueryResponse;
  if (!queryResponse || typeof queryResponse !== 'object') return parsed;
  let ranges: Map<string, number[]>;
  try {
    ranges = queryResponseArrays(body);
  } catch {
    return parsed; // never expected after JSON.parse accepted the body; the records just go without text
  }
  for (const [key, bounds] of ranges) {
    const rows = (queryResponse as Record<string, unknown>)[key];
    // Duplicate keys or escaped key names could make the text and the parse disagree: skip them.
    if (!Array.isArray(rows) || rows.length * 2 !== bounds.length) continue;
    for (let k = 0; k < rows.length; k++) {
      const row: unknown = rows[k];
      if (row === null || typeof row !== 'object' || Array.isArray(row)) continue;
      Object.defineProperty(row, SOURCE_TEXT, { value: body.slice(bounds[2 * k], bounds[2 * k + 1]) });
    }
  }
  return parsed;
}

/** The record's JSON text as received, when it was read by {@link parseQboBody}. */
export function sourceText(record: unknown): string | undefined {
  if (record === null || typeof record !== 'object') return undefined;
  const text = (record as { [SOURCE_TEXT]?: unknown })[SOURCE_TEXT];
  return typeof text === 'string' ? text : undefined;
}

/**
 * Start and end offsets of every element of every array member of the top-level `QueryResponse`
 * object, by member name. Strings are skipped with indexOf, so the walk touches little more than
 * the structure.
 */
function queryResponseArrays(text: string): Map<string, number[]> {
  const out = new Map<string, number[]>();
  members(text, expect(text, ws(text, 0), OPEN_BRACE), (key, at) => {
    if (key !== 'QueryResponse' || text.charCodeAt(at) !== OPEN_BRACE) return skipValue(text, at);
    return members(text, at + 1, (member, v) => {
      if (text.charCodeAt(v) !== OPEN_BRACKET) return skipValue(text, v);
      const bounds: number[] = [];
      let j = ws(text, v + 1);
      if (text.charCodeAt(j) === CLOSE_BRACKET) {
        out.set(member, bounds);
        return j + 1;
      }
      for (;;) {
        const end = skipValue(text, j);
        bounds.push(j, end);
        j = ws(text, end);
        const c = text.charCodeAt(j);
        if (c === CLOSE_BRACKET) break;
        j = ws(text, expect(text, j, COMMA));
      }
      out.set(member, bounds);
      return j + 1;
    });
  });
  return out;
}

const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;

/** Walks the members of an object whose `{` is just before `i`; `onValue` returns the value's end. */
function members(text: string, i: number, onValue: (key: string, at: number) => number): number {
  let j = ws(text, i);
  if (text.charCodeAt(j) === CLOSE_BRACE) return j + 1;
  for (;;) {
    if (text.charCodeAt(j) !== QUOTE) throw new Error(`expected a key at ${j}`);
    const keyEnd = skipString(text, j);
    const key = text.slice(j + 1, keyEnd - 1);
    j = ws(text, expect(text, ws(text, keyEnd), COLON));
    j = ws(text, onValue(key, j));
    const c = text.charCodeAt(j);
    if (c === CLOSE_BRACE) return j + 1;
    j = ws(text, expect(text, j, COMMA));
  }
}

function expect(text: string, i: number, code: number): number {
  if (text.charCodeAt(i) !== code) throw new Error(`expected ${String.fromCharCode(code)} at ${i}`);
  return i + 1;
}

function ws(text: string, i: number): number {
  for (;;) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
    else return i;
  }
}

/** End (exclusive) of the string whose opening quote is at `i`. */
function skipString(text: string, i: number): number {
  let from = i + 1;
  for (;;) {
    const q = text.indexOf('"', from);
    if (q < 0) throw new Error('unterminated string');
    let backslashes = 0;
    while (text.charCodeAt(q - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return q + 1;
    from = q + 1;
  }
}

/** End (exclusive) of the value starting at `i`. */
function skipValue(text: string, i: number): number {
  const first = text.charCodeAt(i);
  if (first === QUOTE) return skipString(text, i);
  if (first !== OPEN_BRACE && first !== OPEN_BRACKET) {
    // number, true, false, null: up to the next delimiter
    let j = i;
    for (;;) {
      const c = text.charCodeAt(j);
      if (c === COMMA || c === CLOSE_BRACE || c === CLOSE_BRACKET || Number.isNaN(c) || c <= 0x20) return j;
      j++;
    }
  }
  let depth = 0;
  let j = i;
  for (;;) {
    const c = text.charCodeAt(j);
    if (c === QUOTE) {
      j = skipString(text, j);
      continue;
    }
    if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
    else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
      if (depth === 0) return j + 1;
    } else if (Number.isNaN(c)) throw new Error('unterminated value');
    j++;
  }
}
