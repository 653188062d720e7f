/**
 * `/v3/company/{realmId}/query`: GET `?query=` or POST with `Content-Type: application/text`.
 * `minorversion` is accepted and ignored (QBO serves everything below 75 as 75 since 2025-08-01).
 */
import { formatEnvelopeTime } from '../pacific-time.js';
import { recordJson } from '../data/record.js';
import { withHostileNote } from '../data/hostile-content.js';
import type { RealmStore } from '../data/realm-store.js';
import { executeQuery } from '../query/execute.js';
import { parseQuery } from '../query/parser.js';
import { QueryError } from '../query/query-error.js';
import { parameterFault, queryFault, type FaultReply } from './faults.js';

export interface Reply {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

const JSON_TYPE = 'application/json;charset=UTF-8';

export function handleQuery(
  statement: string | undefined,
  store: RealmStore,
  now: number,
  /** QBO names of the entities that refuse a LastUpdatedTime filter or order. */
  unfilterable: readonly string[] = [],
  /** Every record carries a hostile `PrivateNote` (see hostile-content.ts). */
  hostile = false,
): Reply | FaultReply {
  if (statement === undefined || statement.trim() === '') {
    return parameterFault(
      'query',
      'a query statement is required (query parameter or application/text body)',
      now,
    );
  }
  let result;
  try {
    result = executeQuery(parseQuery(statement), store, { unfilterable });
  } catch (err) {
    if (err instanceof QueryError) return queryFault(err.message, now);
    throw err;
  }
  const time = JSON.stringify(formatEnvelopeTime(now));
  let inner: string;
  if (result.kind === 'count') {
    inner = `{"totalCount":${result.totalCount}}`;
  } else if (result.records.length === 0) {
    // QBO sends no entity key at all on an empty page.
    inner = '{}';
  } else {
    const rows = result.records.map((r) => (hostile ? withHostileNote(r) : recordJson(r))).join(',');
    // maxResults is the number of rows actually returned, not the MAXRESULTS asked for.
    inner = `{${JSON.stringify(result.entity.qboName)}:[${rows}],"startPosition":${result.startPosition},"maxResults":${result.records.length}}`;
  }
  return { status: 200, contentType: JSON_TYPE, body: `{"QueryResponse":${inner},"time":${time}}` };
}
