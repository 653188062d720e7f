/** Emulator: large-profile page latency for a day not generated yet, then the same page again. */
import { performance } from 'node:perf_hooks';
import { startEmulator } from '@qbo-backfill/emulator';
import { getEntity } from '../src/model/entities.js';
import { accessToken, fetchDayPage, utcDay, type BenchResult } from './lib.js';

export async function benchEmulator(): Promise<BenchResult> {
  const emulator = await startEmulator({ port: 0, profile: 'large', seed: 10 });
  const realmId = emulator.realmIds[0] as string;
  try {
    const token = await accessToken(emulator);
    const get = async (day: number) => {
      const t0 = performance.now();
      await fetchDayPage(emulator.url, token, realmId, getEntity('invoices'), utcDay('2025-03-01', day));
      return performance.now() - t0;
    };
    const cold: number[] = [];
    const warm: number[] = [];
    for (let d = 0; d < 20; d++) cold.push(await get(d));
    for (let d = 0; d < 20; d++) warm.push(await get(d));
    const stats = (xs: number[]) => {
      const s = [...xs].sort((a, b) => a - b);
      return `median ${s[Math.floor(s.length / 2)]?.toFixed(0)} ms, max ${s[s.length - 1]?.toFixed(0)} ms`;
    };
    return {
      rows: [
        `| large profile: page of 1000 invoices, day not generated yet (20 days) | ${stats(cold)} | |`,
        `| large profile: the same pages again | ${stats(warm)} | |`,
      ],
    };
  } finally {
    await emulator.close();
  }
}
