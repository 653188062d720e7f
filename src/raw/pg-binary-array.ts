/**
 * One-dimensional PostgreSQL arrays in the binary wire format (what `array_send` writes and
 * `array_recv` reads), for the page upsert's per-row arrays. node-postgres sends a Buffer parameter
 * as binary, so the server reads these as they are; an array of JavaScript values is instead
 * written out as a text literal, every element quoted and escaped (each Date formatted in local
 * time), then parsed back element by element by the server: for a page of 1000 records, the
 * largest item of node-postgres in a worker's profile, and `array_in`/`timestamptz_in` in the
 * backend's. The server checks the element type against the parameter's cast (`$1::int[]`).
 */

const INT4 = 23;
const INT8 = 20;
const TEXT = 25;
const TIMESTAMPTZ = 1184;
/** 2000-01-01T00:00:00Z, PostgreSQL's epoch for timestamps, in Unix milliseconds. */
const PG_EPOCH_MS = 946_684_800_000;

/** `int[]` of the given integers (each must fit 32 bits). */
export function int4Array(values: readonly number[]): Buffer {
  return binaryArray(INT4, values, 4, (b, o, v) => b.writeInt32BE(v, o));
}

/** `bigint[]`: integers, null for NULL. A value beyond 64 bits throws, as bigint's input refuses it. */
export function int8Array(values: readonly (number | null)[]): Buffer {
  return binaryArray(INT8, values, 8, (b, o, v) => b.writeBigInt64BE(BigInt(v), o));
}

/** `timestamptz[]`: instants to the millisecond, null for NULL. */
export function timestamptzArray(values: readonly (Date | null)[]): Buffer {
  return binaryArray(TIMESTAMPTZ, values, 8, (b, o, v) =>
    b.writeBigInt64BE(BigInt(v.getTime() - PG_EPOCH_MS) * 1000n, o),
  );
}

/** `text[]` of the given strings (UTF-8; the server checks them as it checks any text). */
export function textArray(values: readonly string[]): Buffer {
  let size = HEADER;
  for (const v of values) size += 4 + Buffer.byteLength(v);
  const out = header(Buffer.allocUnsafe(size), TEXT, values.length, false);
  let at = HEADER;
  for (const v of values) {
    const length = out.write(v, at + 4);
    out.writeInt32BE(length, at);
    at += 4 + length;
  }
  return out;
}

/** ndim, has-nulls flag, element type, then the one dimension's length and lower bound (1). */
const HEADER = 20;

function header(out: Buffer, elementType: number, length: number, hasNulls: boolean): Buffer {
  out.writeInt32BE(1, 0);
  out.writeInt32BE(hasNulls ? 1 : 0, 4);
  out.writeInt32BE(elementType, 8);
  out.writeInt32BE(length, 12);
  out.writeInt32BE(1, 16);
  return out;
}

/** An array of fixed-size elements: each a length (-1 for NULL) and its bytes. */
function binaryArray<T>(
  elementType: number,
  values: readonly (T | null)[],
  size: number,
  write: (out: Buffer, offset: number, value: T) => void,
): Buffer {
  let nulls = 0;
  for (const v of values) if (v === null) nulls++;
  const out = Buffer.allocUnsafe(HEADER + values.length * 4 + (values.length - nulls) * size);
  header(out, elementType, values.length, nulls > 0);
  let at = HEADER;
  for (const v of values) {
    if (v === null) {
      out.writeInt32BE(-1, at);
      at += 4;
      continue;
    }
    out.writeInt32BE(size, at);
    write(out, at + 4, v);
    at += 4 + size;
  }
  return out;
}
