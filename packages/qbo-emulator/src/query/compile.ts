/**
 * Turns parsed conditions into predicates over records, reading each literal the way the field's
 * type requires: time literals must carry an offset and compare as instants (QBO stores
 * `-08:00`/`-07:00` strings, but `'2026-01-01T08:00:00Z'` and `'2026-01-01T00:00:00-08:00'` are the
 * same instant), ids compare as numbers, LIKE supports `%` only and ignores case.
 */
import type { Condition, Literal } from './ast.js';
import { validationError } from './query-error.js';
import { parseInstant } from '../pacific-time.js';
import { ACTIVE_FIELD, COMMON_FIELDS, type EntityKind, type FieldDef } from '../data/entity-kind.js';
import type { EmRecord } from '../data/record.js';

export type Predicate = (record: EmRecord) => boolean;

/** Every queryable field of an entity, by lower-cased name (`metadata.lastupdatedtime`). */
export function fieldsOf(kind: EntityKind): Map<string, FieldDef> {
  const all = [...COMMON_FIELDS, ...(kind.nameList ? [ACTIVE_FIELD] : []), ...kind.fields];
  return new Map(all.map((f) => [f.name.toLowerCase(), f]));
}

export function resolveField(kind: EntityKind, name: string): FieldDef {
  const field = fieldsOf(kind).get(name.toLowerCase());
  if (!field) throw validationError(`property '${name}' is not queryable for entity ${kind.qboName}`);
  return field;
}

function describe(literal: Literal): string {
  return literal.kind === 'string' ? `'${literal.value}'` : String(literal.value);
}

/** Reads a literal as a comparable value of the field's type. */
export function coerce(field: FieldDef, literal: Literal): string | number | boolean {
  const bad = (expected: string) =>
    validationError(`invalid value ${describe(literal)} for property ${field.name}: expected ${expected}`);
  switch (field.type) {
    case 'time': {
      if (literal.kind !== 'string') throw bad('a quoted ISO-8601 date-time with an offset');
      const ms = parseInstant(literal.value);
      if (ms === undefined)
        throw bad("an ISO-8601 date-time with an offset, such as '2026-01-01T00:00:00-08:00'");
      return ms;
    }
    case 'date':
      if (literal.kind !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(literal.value))
        throw bad("a date such as '2026-01-31'");
      return literal.value;
    case 'id':
    case 'number': {
      const n =
        literal.kind === 'number' ? literal.value : literal.kind === 'string' ? Number(literal.value) : NaN;
      if (literal.kind === 'string' && literal.value.trim() === '') throw bad('a number');
      if (!Number.isFinite(n)) throw bad('a number');
      return n;
    }
    case 'boolean':
      if (literal.kind === 'boolean') return literal.value;
      if (literal.kind === 'string' && /^(true|false)$/i.test(literal.value))
        return literal.value.toLowerCase() === 'true';
      throw bad('true or false');
    case 'string':
      if (literal.kind === 'boolean') throw bad('a string');
      return String(literal.value);
  }
}

/** Total order used by comparisons and ORDERBY; absent values sort first. */
export function compareValues(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === undefined || a === null) return -1;
  if (b === undefined || b === null) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' && typeof b === 'boolean') return a ? 1 : -1;
  const sa = typeof a === 'string' ? a : JSON.stringify(a);
  const sb = typeof b === 'string' ? b : JSON.stringify(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

function likeRegex(pattern: string): RegExp {
  const body = pattern
    .split('%')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`, 'is');
}

export function compileCondition(kind: EntityKind, condition: Condition): Predicate {
  const field = resolveField(kind, condition.field);
  const get = field.get;
  switch (condition.op) {
    case 'like': {
      if (field.type !== 'string')
        throw validationError(`LIKE is only supported on string properties, not ${field.name}`);
      const re = likeRegex(condition.pattern);
      return (r) => {
        const v = get(r);
        return typeof v === 'string' && re.test(v);
      };
    }
    case 'in': {
      const values = condition.values.map((l) => coerce(field, l));
      return (r) => {
        const v = get(r);
        return v !== undefined && values.some((x) => compareValues(v, x) === 0);
      };
    }
    default: {
      const target = coerce(field, condition.value);
      const test: (c: number) => boolean = {
        '=': (c: number) => c === 0,
        '<': (c: number) => c < 0,
        '>': (c: number) => c > 0,
        '<=': (c: number) => c <= 0,
        '>=': (c: number) => c >= 0,
      }[condition.op];
      return (r) => {
        const v = get(r);
        return v !== undefined && v !== null && test(compareValues(v, target));
      };
    }
  }
}
