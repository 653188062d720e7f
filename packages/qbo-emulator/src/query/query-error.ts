/**
 * QBO reports every bad query as HTTP 400, Fault code 4000 "Error parsing query", with a Detail
 * that starts `QueryParserError:` (syntax) or `QueryValidationError:` (a well-formed query with a
 * bad value, such as `MAXRESULTS 1500`).
 */
export class QueryError extends Error {
  override readonly name = 'QueryError';
  constructor(
    readonly kind: 'QueryParserError' | 'QueryValidationError',
    readonly reason: string,
  ) {
    super(`${kind}: ${reason}`);
  }
}

export function parserError(reason: string): QueryError {
  return new QueryError('QueryParserError', reason);
}

export function validationError(reason: string): QueryError {
  return new QueryError('QueryValidationError', reason);
}
