/** `status`'s sync part: per realm its schedule, its latest cycle and the lag of each entity. */
import { textTable } from '../infra/text-table.js';
import { periodText, shortDuration, utcInstant } from '../infra/time-format.js';
import { SYNC_DEFAULTS } from './sync-queue.js';
import type { EntityLag, RealmSyncReport, SyncCycleReport, SyncSchedule } from './sync-report.js';

export function scheduleText(schedule: SyncSchedule | null): string {
  if (schedule === null) return 'schedule none';
  const reread = periodText(schedule.rereadEveryMs ?? SYNC_DEFAULTS.rereadEveryMs);
  const entities = schedule.entities?.join(', ') ?? 'every entity it has data for';
  return `schedule every ${periodText(schedule.everyMs)} (whole re-reads every ${reread}; ${entities})`;
}

function cycleLines(c: SyncCycleReport | null): string[] {
  if (c === null) return ['  no cycle yet'];
  const parts = [`started ${utcInstant(c.startedAt)}`];
  if (c.finishedAt) parts.push(`finished ${utcInstant(c.finishedAt)}`);
  parts.push(
    `${c.requests} QBO request${c.requests === 1 ? '' : 's'}${c.status === 'running' ? ' so far' : ''}`,
  );
  parts.push(`${c.upserted} upserted`, `${c.deleted} deleted`);
  if (c.rereads.length > 0) parts.push(`re-read whole: ${c.rereads.join(', ')}`);
  const lines = [`  last cycle ${c.cycleId} (${c.trigger}): ${c.status}, ${parts.join(', ')}`];
  if (c.status === 'failed') lines.push(`    error: ${c.error ?? 'none recorded'}`);
  return lines;
}

/**
 * Entities with the same mark, moved the same way, in lag order: one CDC request moves every
 * entity it covers to one mark, so a realm's 28 CDC entities make one row, not 28.
 */
function sameMark(lags: EntityLag[]): EntityLag[][] {
  const groups: EntityLag[][] = [];
  for (const l of lags) {
    // The same second, as shown: re-reads a few milliseconds apart read as one row too.
    const second = Math.floor(l.mark.getTime() / 1000);
    const g = groups.find(
      (x) => x[0] && Math.floor(x[0].mark.getTime() / 1000) === second && x[0].basis === l.basis,
    );
    if (g) g.push(l);
    else groups.push([l]);
  }
  return groups;
}

/** Up to four names in full; more as the first three and how many others (`--json` lists all). */
function names(entities: string[]): string {
  if (entities.length <= 4) return entities.join(', ');
  return `${entities.slice(0, 3).join(', ')} and ${entities.length - 3} more`;
}

/** The realms' sync as text; empty when no realm has sync rows (status then shows nothing of it). */
export function syncStatusText(realms: RealmSyncReport[]): string {
  return realms
    .map((r) => {
      const lines = [`sync of realm ${r.realmId}: ${scheduleText(r.schedule)}`, ...cycleLines(r.lastCycle)];
      if (r.lags.length === 0) lines.push('  no marks yet');
      else {
        const rows = sameMark(r.lags).map((g) => [
          names(g.map((l) => l.entity)),
          shortDuration(Math.floor(g[0]?.lagSeconds ?? 0)),
          utcInstant(g[0]?.mark ?? new Date(0)),
          g[0]?.basis ?? '',
        ]);
        const table = textTable(['entity', 'lag', 'mark', 'moved by'], rows, { rule: true });
        lines.push(...table.split('\n').map((line) => `  ${line}`));
      }
      return lines.join('\n');
    })
    .join('\n\n');
}

/** The same for `status --json`: instants in UTC, lags in whole seconds. */
export function syncStatusJson(r: RealmSyncReport) {
  const c = r.lastCycle;
  return {
    realmId: r.realmId,
    schedule: r.schedule,
    lastCycle: c && {
      cycleId: c.cycleId,
      trigger: c.trigger,
      status: c.status,
      startedAt: utcInstant(c.startedAt),
      finishedAt: c.finishedAt && utcInstant(c.finishedAt),
      requests: c.requests,
      upserted: c.upserted,
      deleted: c.deleted,
      rereads: c.rereads,
      error: c.error,
    },
    lags: r.lags.map((l) => ({
      entity: l.entity,
      mark: utcInstant(l.mark),
      basis: l.basis,
      lagSeconds: Math.floor(l.lagSeconds),
    })),
  };
}
