/**
 * The query tests' emulator: one per file, started before its tests with the first realm's access
 * token, and what those tests compare answers with (the emulator's truth, the body without its time).
 */
import { after, before } from 'node:test';
import type { RunningEmulator } from '../src/index.js';
import { accessToken, getJson, start } from './helpers.js';

/** A 2025 range of MetaData.LastUpdatedTime, for a WHERE clause. */
export const Y2025 =
  "MetaData.LastUpdatedTime >= '2025-01-01T00:00:00Z' AND MetaData.LastUpdatedTime < '2026-01-01T00:00:00Z'";

/** The body without the envelope time, for comparing two answers. */
export function withoutTime(text: string): string {
  return text.replace(/,"time":"[^"]+"\}$/, '}');
}

/** What the emulator holds of an entity over a range: how many, by day, which Ids. */
export interface Truth {
  count: number;
  byDay: Record<string, number>;
  ids: string[];
}

export interface QueryEmulator {
  em: RunningEmulator;
  token: string;
  /** The first realm. */
  realm: string;
  truth: (entity: string, from: string, to: string) => Promise<Truth>;
}

/** Starts the emulator before the file's tests and closes it after them. */
export function useQueryEmulator(): QueryEmulator {
  const q: QueryEmulator = {
    em: undefined as unknown as RunningEmulator,
    token: '',
    realm: '',
    truth: (entity, from, to) =>
      getJson<Truth>(
        `${q.em.url}/__emulator/truth?realmId=${q.realm}&entity=${entity}&from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}&ids=true`,
      ),
  };
  before(async () => {
    q.em = await start();
    q.realm = q.em.realmIds[0] as string;
    q.token = await accessToken(q.em);
  });
  after(() => q.em.close());
  return q;
}
