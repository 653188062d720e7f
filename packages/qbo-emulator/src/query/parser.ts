/**
 * Recursive-descent parser for QBO's query subset:
 *
 *   SELECT ( * | COUNT(*) ) FROM entity
 *     [ WHERE cond { AND cond } ]
 *     [ ( ORDERBY | ORDER BY ) field [ ASC | DESC ] ]
 *     [ STARTPOSITION n ] [ MAXRESULTS m ]        (either order)
 *
 *   cond := field ( = | < | > | <= | >= ) literal | field IN ( literal {, literal} ) | field LIKE 'text%'
 *
 * Keywords are case-insensitive (clients send `ORDERBY` and `ORDER BY`, `Select`, ...). Errors
 * mimic QBO's JavaCC-style `Encountered "x" at line 1, column n` messages.
 */
import type { ComparisonOp, Condition, Literal, Query } from './ast.js';
import { tokenize, type Token } from './lexer.js';
import { parserError } from './query-error.js';

const RESERVED = new Set([
  'select',
  'from',
  'where',
  'and',
  'or',
  'order',
  'orderby',
  'by',
  'asc',
  'desc',
  'startposition',
  'maxresults',
  'in',
  'like',
  'count',
  'true',
  'false',
  'not',
  'null',
]);

class Parser {
  private index = 0;
  constructor(private readonly tokens: Token[]) {}

  private get current(): Token {
    return this.tokens[this.index] as Token;
  }

  private advance(): Token {
    const token = this.current;
    if (token.kind !== 'eof') this.index++;
    return token;
  }

  private isKeyword(word: string, token: Token = this.current): boolean {
    return token.kind === 'word' && token.text.toLowerCase() === word;
  }

  private fail(expected: string[]): never {
    const t = this.current;
    const shown = t.kind === 'string' ? `'${t.text}'` : t.text;
    throw parserError(
      `Encountered "${shown}" at line 1, column ${t.column}. Was expecting ${expected.length > 1 ? 'one of: ' : ''}${expected.join(', ')}`,
    );
  }

  private expectKeyword(word: string): void {
    if (!this.isKeyword(word)) this.fail([`"${word.toUpperCase()}"`]);
    this.advance();
  }

  private expectPunct(p: string): void {
    if (this.current.kind !== 'punct' || this.current.text !== p) this.fail([`"${p}"`]);
    this.advance();
  }

  private identifier(what: string): string {
    const t = this.current;
    if (t.kind !== 'word' || RESERVED.has(t.text.toLowerCase())) this.fail([`<${what}>`]);
    this.advance();
    return t.text;
  }

  private integer(): number {
    const t = this.current;
    if (t.kind !== 'number' || !/^-?\d+$/.test(t.text)) this.fail(['<INTEGER>']);
    this.advance();
    return Number(t.text);
  }

  private literal(): Literal {
    const t = this.current;
    if (t.kind === 'string') {
      this.advance();
      return { kind: 'string', value: t.text };
    }
    if (t.kind === 'number') {
      this.advance();
      return { kind: 'number', value: Number(t.text) };
    }
    if (this.isKeyword('true') || this.isKeyword('false')) {
      this.advance();
      return { kind: 'boolean', value: t.text.toLowerCase() === 'true' };
    }
    return this.fail(['<STRING>', '<NUMBER>', '"true"', '"false"']);
  }

  private condition(): Condition {
    const field = this.identifier('FIELD');
    const t = this.current;
    if (t.kind === 'op' && ['=', '<', '>', '<=', '>='].includes(t.text)) {
      this.advance();
      return { field, op: t.text as ComparisonOp, value: this.literal() };
    }
    if (this.isKeyword('in')) {
      this.advance();
      this.expectPunct('(');
      const values = [this.literal()];
      while (this.current.kind === 'punct' && this.current.text === ',') {
        this.advance();
        values.push(this.literal());
      }
      this.expectPunct(')');
      return { field, op: 'in', values };
    }
    if (this.isKeyword('like')) {
      this.advance();
      if (this.current.kind !== 'string') this.fail(['<STRING>']);
      return { field, op: 'like', pattern: this.advance().text };
    }
    return this.fail(['"="', '"<"', '">"', '"<="', '">="', '"IN"', '"LIKE"']);
  }

  parse(): Query {
    this.expectKeyword('select');
    let select: Query['select'];
    if (this.current.kind === 'punct' && this.current.text === '*') {
      this.advance();
      select = 'rows';
    } else if (this.isKeyword('count')) {
      this.advance();
      this.expectPunct('(');
      this.expectPunct('*');
      this.expectPunct(')');
      select = 'count';
    } else {
      this.fail(['"*"', '"COUNT"']);
    }
    this.expectKeyword('from');
    const entity = this.identifier('ENTITY');
    const where: Condition[] = [];
    if (this.isKeyword('where')) {
      this.advance();
      where.push(this.condition());
      while (this.isKeyword('and')) {
        this.advance();
        where.push(this.condition());
      }
    }
    let orderBy: Query['orderBy'];
    if (this.isKeyword('orderby') || this.isKeyword('order')) {
      if (this.advance().text.toLowerCase() === 'order') this.expectKeyword('by');
      const field = this.identifier('FIELD');
      let descending = false;
      if (this.isKeyword('asc') || this.isKeyword('desc'))
        descending = this.advance().text.toLowerCase() === 'desc';
      orderBy = { field, descending };
    }
    let startPosition: number | undefined;
    let maxResults: number | undefined;
    for (;;) {
      if (startPosition === undefined && this.isKeyword('startposition')) {
        this.advance();
        startPosition = this.integer();
      } else if (maxResults === undefined && this.isKeyword('maxresults')) {
        this.advance();
        maxResults = this.integer();
      } else {
        break;
      }
    }
    if (this.current.kind !== 'eof') {
      const expected = ['<EOF>'];
      if (startPosition === undefined) expected.push('"STARTPOSITION"');
      if (maxResults === undefined) expected.push('"MAXRESULTS"');
      this.fail(expected);
    }
    return { select, entity, where, orderBy, startPosition, maxResults };
  }
}

/** Parses one statement. Throws a QueryParserError {@link QueryError} on bad syntax. */
export function parseQuery(text: string): Query {
  if (text.trim() === '')
    throw parserError('Encountered "<EOF>" at line 1, column 1. Was expecting "SELECT"');
  return new Parser(tokenize(text)).parse();
}
