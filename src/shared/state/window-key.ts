import { sql, type ExpressionBuilder } from 'kysely';
import type { Database } from '../db-types.js';

/** Which window a transition applies to: a run's entity and UTC day (the table's primary key). */
export interface WindowKey {
  runId: string;
  entity: string;
  /** UTC day `YYYY-MM-DD`. */
  day: string;
}

/** The WHERE clause that picks one window by its key. */
export function isWindow(key: WindowKey) {
  return (eb: ExpressionBuilder<Database, 'ops.windows'>) =>
    eb.and([eb('run_id', '=', key.runId), eb('entity', '=', key.entity), eb('day', '=', key.day)]);
}

/** The same WHERE condition as SQL, for the statements written as plain SQL. */
export function windowIs(key: WindowKey) {
  return sql`run_id = ${key.runId} AND entity = ${key.entity} AND day = ${key.day}`;
}
