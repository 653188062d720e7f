/**
 * Tokenizer for QBO's query language. Identifiers may contain dots (`MetaData.LastUpdatedTime`);
 * strings are single-quoted with `''` or `\'` for a quote; keywords are plain words and are
 * recognised case-insensitively by the parser.
 */
import { parserError } from './query-error.js';

export type TokenKind = 'word' | 'string' | 'number' | 'punct' | 'op' | 'eof';

export interface Token {
  readonly kind: TokenKind;
  /** The token's value (a string literal without its quotes). */
  readonly text: string;
  /** 1-based column where the token starts (queries are one line). */
  readonly column: number;
}

const WORD_START = /[A-Za-z_]/;
const WORD_PART = /[A-Za-z0-9_.]/;
const DIGIT = /[0-9]/;

export function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const ch = input[i] as string;
    const column = i + 1;
    if (/\s/.test(ch)) {
      i++;
    } else if (WORD_START.test(ch)) {
      let j = i + 1;
      while (j < input.length && WORD_PART.test(input[j] as string)) j++;
      tokens.push({ kind: 'word', text: input.slice(i, j), column });
      i = j;
    } else if (DIGIT.test(ch) || (ch === '-' && DIGIT.test(input[i + 1] ?? ''))) {
      let j = i + 1;
      while (j < input.length && DIGIT.test(input[j] as string)) j++;
      if (input[j] === '.' && DIGIT.test(input[j + 1] ?? '')) {
        j++;
        while (j < input.length && DIGIT.test(input[j] as string)) j++;
      }
      tokens.push({ kind: 'number', text: input.slice(i, j), column });
      i = j;
    } else if (ch === "'") {
      let value = '';
      let j = i + 1;
      for (;;) {
        if (j >= input.length)
          throw parserError(`Lexical error at line 1, column ${column}. Unterminated string literal`);
        const c = input[j] as string;
        if (c === '\\' && input[j + 1] === "'") {
          value += "'";
          j += 2;
        } else if (c === "'" && input[j + 1] === "'") {
          value += "'";
          j += 2;
        } else if (c === "'") {
          j++;
          break;
        } else {
          value += c;
          j++;
        }
      }
      tokens.push({ kind: 'string', text: value, column });
      i = j;
    } else if (ch === '(' || ch === ')' || ch === ',' || ch === '*') {
      tokens.push({ kind: 'punct', text: ch, column });
      i++;
    } else if (ch === '<' || ch === '>' || ch === '=' || ch === '!') {
      const two = input.slice(i, i + 2);
      const op = two === '<=' || two === '>=' || two === '!=' || two === '<>' ? two : ch;
      tokens.push({ kind: 'op', text: op, column });
      i += op.length;
    } else {
      throw parserError(`Lexical error at line 1, column ${column}. Encountered: "${ch}"`);
    }
  }
  tokens.push({ kind: 'eof', text: '<EOF>', column: input.length + 1 });
  return tokens;
}
