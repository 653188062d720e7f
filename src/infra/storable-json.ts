/**
 * A QBO record as JSON text PostgreSQL's jsonb accepts. Almost every record is stored exactly as
 * sent: quotes, SQL, long strings, deep nesting and characters beyond the BMP are all plain JSON.
 * Two things are not: jsonb refuses the NUL character (`\u0000`) anywhere, and a lone UTF-16
 * surrogate (half of a character, which QBO's JSON escapes can carry) is not Unicode at all. Each
 * is replaced by U+FFFD, the replacement character, the smallest change that makes the record
 * storable; the reasons are counted on the window.
 */

import { isDigit, isHex } from './json-bytes.js';

export type Adjustment = 'NUL character replaced' | 'lone surrogate replaced';

export interface StorableJson {
  json: string;
  /** Why the record differs from what QBO sent; empty when it is stored exactly as sent. */
  adjustments: Adjustment[];
}

// JSON.stringify writes NUL as \u0000 and a lone surrogate as \udXXX (well-formed JSON.stringify).
const SUSPECT = /\\u0000|\\ud[89a-f][0-9a-f]{2}/i;
// eslint-disable-next-line no-control-regex -- the NUL character is exactly what this looks for
const NUL = /\u0000/g;
// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

function fixString(value: string, found: Set<Adjustment>): string {
  let out = value;
  if (out.includes('\u0000')) {
    out = out.replace(NUL, '\ufffd');
    found.add('NUL character replaced');
  }
  const whole = out.replace(LONE_SURROGATE, '\ufffd');
  if (whole !== out) {
    out = whole;
    found.add('lone surrogate replaced');
  }
  return out;
}

function fix(value: unknown, found: Set<Adjustment>): unknown {
  if (typeof value === 'string') return fixString(value, found);
  if (Array.isArray(value)) return value.map((v) => fix(v, found));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[fixString(k, found)] = fix(v, found);
    return out;
  }
  return value;
}

/**
 * Whether a JSON text may hold something jsonb refuses (a NUL or a lone surrogate escape). On
 * UTF-8 bytes the same test finds the same escapes (they are ASCII, and no byte of a multi-byte
 * character is), without decoding the text; only the lowercase `\u` is looked for there, as
 * JSON has no other (a body with `\U` is refused as JSON before this matters).
 */
export function hasSuspectEscape(json: string | Uint8Array): boolean {
  if (typeof json === 'string') return SUSPECT.test(json);
  const bytes = Buffer.from(json.buffer, json.byteOffset, json.byteLength);
  for (let i = bytes.indexOf('\\u'); i !== -1; i = bytes.indexOf('\\u', i + 2)) {
    const [a, b, c, d] = [bytes[i + 2], bytes[i + 3], bytes[i + 4], bytes[i + 5]];
    if (a === ZERO && b === ZERO && c === ZERO && d === ZERO) return true;
    if ((a === 0x64 || a === 0x44) && isSurrogateDigit(b) && isHex(c) && isHex(d)) return true;
  }
  return false;
}

const ZERO = 0x30;
/** 8, 9, a-f, A-F: the second hex digit of U+D800..U+DFFF. */
function isSurrogateDigit(c: number | undefined): boolean {
  return c === 0x38 || c === 0x39 || (isHex(c) && !isDigit(c));
}

export function storableJson(record: unknown): StorableJson {
  const json = JSON.stringify(record);
  // The walk only runs when the text shows a suspect escape (an escaped backslash before "u0000"
  // is a false alarm that the walk settles by finding nothing).
  if (!SUSPECT.test(json)) return { json, adjustments: [] };
  const found = new Set<Adjustment>();
  const fixed = fix(record, found);
  return found.size === 0
    ? { json, adjustments: [] }
    : { json: JSON.stringify(fixed), adjustments: [...found] };
}
