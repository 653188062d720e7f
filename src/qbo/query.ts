import type { EntityDefinition } from '../model/entities.js';
import { utcInstant } from '../infra/time-format.js';

/** QBO's MAXRESULTS cap: the most rows one page of a query returns. */
export const QBO_MAX_PAGE_SIZE = 1000;

/** `2026-01-01T00:00:00Z`: QBO reads a literal without an offset in an undocumented way, so never send one. */
export const qboInstant = utcInstant;

function conditions(entity: EntityDefinition, start: Date, end: Date): string {
  // Half-open [start, end): `>=` then `<`, so adjacent windows never share a record. Entities read
  // whole get no time condition: QBO may refuse one for them (see the registry).
  const parts =
    entity.read === 'whole'
      ? []
      : [
          `MetaData.LastUpdatedTime >= '${qboInstant(start)}'`,
          `MetaData.LastUpdatedTime < '${qboInstant(end)}'`,
        ];
  // Without an Active condition QBO returns only active name-list records: inactive ones would be lost.
  if (entity.nameList) parts.push('Active IN (true, false)');
  return parts.length ? ` WHERE ${parts.join(' AND ')}` : '';
}

/**
 * STARTPOSITION (1-based) of page `pageIndex` (0-based). Each page after the first starts on the
 * previous page's last row: seeing that row again proves that nothing before the read position
 * left or entered the window between two requests, which would silently shift the rest by one
 * (the classic skipped-record bug of offset paging). A page size of 1 leaves no room to overlap.
 */
export function pageStartPosition(pageIndex: number, pageSize: number): number {
  return pageSize > 1 ? pageIndex * (pageSize - 1) + 1 : pageIndex + 1;
}

/** The page query of a window. Ordered by LastUpdatedTime (ties by Id on QBO's side) for stable paging. */
export function pageStatement(
  entity: EntityDefinition,
  start: Date,
  end: Date,
  startPosition: number,
  pageSize: number,
): string {
  // A whole read keeps QBO's default order (by Id), as stable for paging as the time order.
  const order = entity.read === 'whole' ? '' : ' ORDERBY MetaData.LastUpdatedTime';
  return (
    `SELECT * FROM ${entity.qboName}${conditions(entity, start, end)}${order} ` +
    `STARTPOSITION ${startPosition} MAXRESULTS ${pageSize}`
  );
}

export function countStatement(entity: EntityDefinition, start: Date, end: Date): string {
  return `SELECT COUNT(*) FROM ${entity.qboName}${conditions(entity, start, end)}`;
}
