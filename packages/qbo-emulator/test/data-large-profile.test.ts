import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { accessToken, pageAll, query, queryJson, rows, start } from './helpers.js';

describe('large profile', () => {
  it('serves a day of ~1,000 invoices lazily, pages of 1000, counts, and orders across day boundaries', async () => {
    const em = await start({ profile: 'large', realmIds: ['4620816365000000001'] });
    try {
      const token = await accessToken(em);
      const day =
        "MetaData.LastUpdatedTime >= '2025-06-15T00:00:00Z' AND MetaData.LastUpdatedTime < '2025-06-16T00:00:00Z'";
      const fromDay = "MetaData.LastUpdatedTime >= '2025-06-15T00:00:00Z'";
      let t0 = performance.now();
      const page = await queryJson(
        em,
        token,
        `SELECT * FROM Invoice WHERE ${fromDay} ORDERBY MetaData.LastUpdatedTime STARTPOSITION 1 MAXRESULTS 1000`,
      );
      console.log(`large: first page of 1000 in ${(performance.now() - t0).toFixed(1)} ms`);
      t0 = performance.now();
      const again = await query(
        em,
        token,
        `SELECT * FROM Invoice WHERE ${fromDay} ORDERBY MetaData.LastUpdatedTime STARTPOSITION 1 MAXRESULTS 1000`,
      );
      console.log(`large: cached page of 1000 in ${(performance.now() - t0).toFixed(1)} ms`);
      assert.equal(again.status, 200);
      assert.equal(rows(page, 'Invoice').length, 1000);
      assert.equal(page.QueryResponse.maxResults, 1000);
      assert.match(rows(page, 'Invoice')[0]?.MetaData.LastUpdatedTime ?? '', /^2025-06-14T1[7-9]:.*-07:00$/);
      t0 = performance.now();
      const total = (await queryJson(em, token, `SELECT COUNT(*) FROM Invoice WHERE ${day}`)).QueryResponse
        .totalCount as number;
      console.log(`large: COUNT(*) of a day in ${(performance.now() - t0).toFixed(1)} ms -> ${total}`);
      const truth = em.truth(
        '4620816365000000001',
        'Invoice',
        new Date('2025-06-15T00:00:00Z'),
        new Date('2025-06-16T00:00:00Z'),
      );
      assert.equal(total, truth.count);
      assert.deepEqual(Object.keys(truth.byDay), ['2025-06-15']);
      assert.ok(total > 850 && total < 1150, String(total));
      const all = await pageAll(
        em,
        token,
        'Invoice',
        `SELECT * FROM Invoice WHERE ${day} ORDERBY MetaData.LastUpdatedTime`,
      );
      assert.equal(all.length, total);
      assert.equal(new Set(all.map((r) => r.Id)).size, total);

      // Across midnight, ordered by LastUpdatedTime: sorted, complete, and ids unique across days.
      const span =
        "MetaData.LastUpdatedTime >= '2025-06-15T22:00:00Z' AND MetaData.LastUpdatedTime < '2025-06-16T02:00:00Z'";
      const spanRows = await pageAll(
        em,
        token,
        'Invoice',
        `SELECT * FROM Invoice WHERE ${span} ORDERBY MetaData.LastUpdatedTime`,
        60,
      );
      const spanTruth = em.truth(
        '4620816365000000001',
        'Invoice',
        new Date('2025-06-15T22:00:00Z'),
        new Date('2025-06-16T02:00:00Z'),
      );
      assert.equal(spanRows.length, spanTruth.count);
      assert.deepEqual(Object.keys(spanTruth.byDay), ['2025-06-15', '2025-06-16']);
      const times = spanRows.map((r) => Date.parse(r.MetaData.LastUpdatedTime));
      assert.deepEqual(
        times,
        [...times].sort((x, y) => x - y),
      );
      assert.equal(new Set(spanRows.map((r) => r.Id)).size, spanRows.length);

      // The company is huge, but only what was asked for was generated.
      t0 = performance.now();
      const first = rows(
        await queryJson(
          em,
          token,
          'SELECT * FROM Invoice ORDERBY MetaData.LastUpdatedTime DESC MAXRESULTS 5',
        ),
        'Invoice',
      );
      console.log(
        `large: newest 5 invoices of the whole company in ${(performance.now() - t0).toFixed(1)} ms`,
      );
      assert.equal(first.length, 5);
      assert.ok(Number(first[0]?.Id) > 1_000_000, `ids go past a million (${first[0]?.Id})`);
      // The newest is the last generated before now: nothing at the source is updated later.
      const newest = Date.parse(first[0]?.MetaData.LastUpdatedTime ?? '');
      assert.ok(newest <= Date.now() && newest > Date.now() - 86_400_000, first[0]?.MetaData.LastUpdatedTime);
      const customers = (
        await queryJson(em, token, `SELECT COUNT(*) FROM Customer WHERE ${day} AND Active IN (true, false)`)
      ).QueryResponse.totalCount as number;
      assert.ok(customers >= 15 && customers <= 80, String(customers));
    } finally {
      await em.close();
    }
  });
});
