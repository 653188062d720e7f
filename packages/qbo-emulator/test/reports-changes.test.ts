import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../src/index.js';
import { UNABLE_TO_DISPLAY, type Row, type SectionRow } from '../src/reports/report-shape.js';
import { accessToken, getJson, http, postJson, queryJson, rows, start } from './helpers.js';
import { dataRows, report, total, useReportEmulator, type Ctx } from './report-fixture.js';

describe('reports as the company changes, and refused', () => {
  const ctx = useReportEmulator();

  it('cuts a report above reportCellLimit, still 200, the last group without its Summary', async () => {
    const res = await postJson(`${ctx.em.url}/__emulator/config`, { reportCellLimit: 800 });
    assert.equal(res.status, 200, res.text);
    const gl = await report(ctx, 'GeneralLedger', { start_date: '2025-01-01', end_date: '2025-06-30' });
    const rows = gl.Rows.Row;
    const last = rows.at(-1);
    assert.equal(last?.type === 'Data' ? last.ColData[0]?.value : '', UNABLE_TO_DISPLAY);
    const cut = rows.at(-2) as SectionRow;
    assert.equal(cut.type, 'Section');
    assert.equal(cut.Summary, undefined, 'the group cut short has no Summary');
    assert.ok((rows.at(0) as SectionRow).Summary, 'groups before it keep theirs');
    const count = (rs: readonly Row[]): number =>
      rs.reduce(
        (n, r) =>
          n + (r.type === 'Data' ? 1 : (r.Header ? 1 : 0) + (r.Summary ? 1 : 0) + count(r.Rows?.Row ?? [])),
        0,
      );
    assert.ok(count(rows) * 8 <= 800);
    await postJson(`${ctx.em.url}/__emulator/config`, { reportCellLimit: 400_000 });
  });

  it('drops a deleted transaction from the reports, and an edit that changes no amount changes nothing', async () => {
    const may = { start_date: '2025-05-01', end_date: '2025-05-31', accounting_method: 'Accrual' };
    const found = await queryJson(
      ctx.em,
      ctx.token,
      "SELECT * FROM Invoice WHERE TxnDate >= '2025-05-01' AND TxnDate <= '2025-05-31' MAXRESULTS 1",
    );
    const invoice = rows(found, 'Invoice')[0] as Record<string, unknown>;
    const sales = (invoice.Line as { DetailType: string; Amount: number }[])
      .filter((l) => l.DetailType === 'SalesItemLineDetail')
      .reduce((a, l) => a + Math.round(l.Amount * 100), 0);
    const before = await report(ctx, 'ProfitAndLoss', may);
    const touched = await postJson(`${ctx.em.url}/__emulator/records/touch`, {
      realmId: ctx.realm,
      entity: 'Invoice',
      id: invoice.Id,
    });
    assert.equal(touched.status, 200, touched.text);
    assert.equal(total(await report(ctx, 'ProfitAndLoss', may), 'Income'), total(before, 'Income'));
    const deleted = await postJson(`${ctx.em.url}/__emulator/records/delete`, {
      realmId: ctx.realm,
      entity: 'Invoice',
      id: invoice.Id,
    });
    assert.equal(deleted.status, 200, deleted.text);
    const afterDelete = await report(ctx, 'ProfitAndLoss', may);
    assert.equal(total(afterDelete, 'Income'), total(before, 'Income') - sales);
    const bs = await report(ctx, 'BalanceSheet', { end_date: '2025-12-31', accounting_method: 'Accrual' });
    assert.equal(total(bs, 'TotalAssets'), total(bs, 'TotalLiabilitiesAndEquity'));
    const gl = await report(ctx, 'GeneralLedger', may);
    assert.ok(!JSON.stringify(gl).includes(`"value":"Invoice","id":"${String(invoice.Id)}"`));
  });

  it('keeps balancing as the clock moves on: days fold as they pass, accounts opened since are named', async () => {
    const clock = new ManualClock(Date.parse('2024-02-10T12:00:00Z'));
    const em = await start({ seed: 11, clock, config: { accessTokenTtlSeconds: 3 * 365 * 86_400 } });
    try {
      const later: Ctx = { em, token: await accessToken(em), realm: em.realmIds[0] as string };
      const early = await report(later, 'TrialBalance', { accounting_method: 'Accrual' });
      assert.equal(early.Header.EndPeriod, '2024-02-10');
      clock.advance(500 * 86_400_000);
      for (const end of ['2024-02-10', '2025-06-23']) {
        const tb = await report(later, 'TrialBalance', { end_date: end, accounting_method: 'Accrual' });
        const [, debit, credit] = (tb.Rows.Row.at(-1) as SectionRow).Summary?.ColData ?? [];
        assert.equal(debit?.value, credit?.value, end);
        for (const r of dataRows(tb.Rows.Row))
          if (r.type === 'Data')
            assert.notEqual(r.ColData[0]?.value, r.ColData[0]?.id, 'every account named');
      }
      const bs = await report(later, 'BalanceSheet', { accounting_method: 'Accrual' });
      assert.equal(total(bs, 'TotalAssets'), total(bs, 'TotalLiabilitiesAndEquity'));
    } finally {
      await em.close();
    }
  });

  it('counts reports in the realm stats, and refuses bad parameters and unknown reports', async () => {
    await postJson(`${ctx.em.url}/__emulator/stats/reset`, {});
    const before = await getJson<{ realms: Record<string, { requests: Record<string, number> }> }>(
      `${ctx.em.url}/__emulator/stats`,
    );
    const n = before.realms[ctx.realm]?.requests['200'] ?? 0;
    await report(ctx, 'TrialBalance', { end_date: '2025-01-31' });
    await report(ctx, 'ProfitAndLoss', {});
    const bad = await http(
      `${ctx.em.url}/v3/company/${ctx.realm}/reports/ProfitAndLoss?start_date=2025-13-01`,
      {
        headers: { authorization: `Bearer ${ctx.token}` },
      },
    );
    assert.equal(bad.status, 400);
    const unknown = await http(`${ctx.em.url}/v3/company/${ctx.realm}/reports/NoSuchReport`, {
      headers: { authorization: `Bearer ${ctx.token}` },
    });
    assert.equal(unknown.status, 400);
    const noAuth = await http(`${ctx.em.url}/v3/company/${ctx.realm}/reports/ProfitAndLoss`);
    assert.equal(noAuth.status, 401);
    const stats = await getJson<{ realms: Record<string, { requests: Record<string, number> }> }>(
      `${ctx.em.url}/__emulator/stats`,
    );
    const requests = stats.realms[ctx.realm]?.requests ?? {};
    assert.equal(requests['200'], n + 2);
    assert.equal(requests['400'], 2);
    assert.equal(requests['401'], 1);
  });
});
