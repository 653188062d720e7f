/** Classes of the bytes of a UTF-8 JSON text, for the code that reads one without decoding it. */

/** A decimal digit. */
export function isDigit(c: number | undefined): boolean {
  return c !== undefined && c >= 0x30 && c <= 0x39;
}

/** A hexadecimal digit, either case (as `\uXXXX` escapes allow). */
export function isHex(c: number | undefined): boolean {
  return isDigit(c) || (c !== undefined && ((c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46)));
}

/** The first byte of a number: a digit or the minus sign. */
export function isNumberStart(c: number | undefined): boolean {
  return c === 0x2d || isDigit(c);
}
