/** The parsed form of a QBO query statement. */

export type Literal =
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'number'; readonly value: number }
  | { readonly kind: 'boolean'; readonly value: boolean };

export type ComparisonOp = '=' | '<' | '>' | '<=' | '>=';

export type Condition =
  | { readonly field: string; readonly op: ComparisonOp; readonly value: Literal }
  | { readonly field: string; readonly op: 'in'; readonly values: readonly Literal[] }
  | { readonly field: string; readonly op: 'like'; readonly pattern: string };

export interface Query {
  /** `SELECT *` gives rows, `SELECT COUNT(*)` gives `totalCount`. */
  readonly select: 'rows' | 'count';
  /** Entity as written (`Invoice`, `invoice`). */
  readonly entity: string;
  /** Conditions joined by AND (QBO has no OR). */
  readonly where: readonly Condition[];
  readonly orderBy?: { readonly field: string; readonly descending: boolean };
  /** As written; 1-based, 0 read as 1. */
  readonly startPosition?: number;
  readonly maxResults?: number;
}
