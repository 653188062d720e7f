/**
 * `/v3/company/{realmId}/cdc?entities=Invoice,Customer&changedSince=<instant>`: every change since
 * the instant (up to now), name-list records whether active or not, and hard-deleted transactions
 * as `{"domain":"QBO","status":"Deleted","Id":...,"MetaData":{...}}` stubs. QBO allows at most 30
 * days of look-back and returns at most 1000 objects in all (the oldest changes first here).
 */
import { formatEnvelopeTime, parseInstant } from '../pacific-time.js';
import { findEntityKind } from '../data/entities.js';
import type { EntityKind } from '../data/entity-kind.js';
import { recordJson, type EmRecord } from '../data/record.js';
import type { RealmStore } from '../data/realm-store.js';
import { parameterFault, type FaultReply } from './faults.js';
import type { Reply } from './query-endpoint.js';

export const CDC_MAX_LOOKBACK_DAYS = 30;
export const CDC_MAX_OBJECTS = 1000;

export function handleCdc(params: URLSearchParams, store: RealmStore, now: number): Reply | FaultReply {
  const names = (params.get('entities') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (names.length === 0)
    return parameterFault('entities', 'name at least one entity, e.g. entities=Invoice,Customer', now);
  const kinds: EntityKind[] = [];
  for (const name of names) {
    const kind = findEntityKind(name);
    if (!kind) return parameterFault('entities', `unknown entity ${name}`, now);
    // Intuit's CDC page leaves these out; their changes show only on a full re-read.
    if (kind.cdc === false)
      return parameterFault('entities', `${kind.qboName} is not supported by change data capture`, now);
    if (!kinds.includes(kind)) kinds.push(kind);
  }
  const sinceText = params.get('changedSince');
  const since = sinceText === null ? undefined : parseInstant(sinceText);
  if (since === undefined) {
    return parameterFault('changedSince', 'expected an ISO-8601 date-time with an offset', now);
  }
  if (since < now - CDC_MAX_LOOKBACK_DAYS * 86_400_000) {
    return parameterFault(
      'changedSince',
      `changedSince cannot be more than ${CDC_MAX_LOOKBACK_DAYS} days in the past`,
      now,
    );
  }
  const all: { kind: EntityKind; record: EmRecord }[] = [];
  for (const kind of kinds) {
    for (const record of store.inRange(kind, since, now + 1)) all.push({ kind, record });
  }
  all.sort(
    (a, b) =>
      a.record.lastUpdated - b.record.lastUpdated ||
      kinds.indexOf(a.kind) - kinds.indexOf(b.kind) ||
      a.record.id - b.record.id,
  );
  const kept = all.slice(0, CDC_MAX_OBJECTS);
  const responses = kinds.map((kind) => {
    const rows = kept.filter((x) => x.kind === kind).map((x) => recordJson(x.record));
    if (rows.length === 0) return '{}';
    return `{${JSON.stringify(kind.qboName)}:[${rows.join(',')}],"startPosition":1,"maxResults":${rows.length},"totalCount":${rows.length}}`;
  });
  const body = `{"CDCResponse":[{"QueryResponse":[${responses.join(',')}]}],"time":${JSON.stringify(formatEnvelopeTime(now))}}`;
  return { status: 200, contentType: 'application/json;charset=UTF-8', body };
}
