import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { RunningEmulator } from '@qbo-backfill/emulator';
import { ENTITIES } from '../../src/model/entities.js';
import { accessToken, getJson, http, pageAll } from '../helpers/emulator-http.js';
import { query, queryJson, rows, start, type Row } from '../helpers/emulator-http.js';

const FROM = '2025-06-01T00:00:00Z';
const TO = '2025-09-01T00:00:00Z';
const TIME = `MetaData.LastUpdatedTime >= '${FROM}' AND MetaData.LastUpdatedTime < '${TO}'`;

type Ref = { value: string; name?: string };

describe('every entity of the registry, served by the emulator', () => {
  let em: RunningEmulator;
  let token: string;
  let realm: string;
  /** Every record of each entity over the whole span, active or not. */
  const all = new Map<string, Map<string, Row>>();

  before(async () => {
    em = await start({ seed: 7 });
    token = await accessToken(em);
    realm = em.realmIds[0] as string;
    // Lift the time-filter refusal only to collect everything the same way for every entity.
    em.setConfig({ unfilterableEntities: [] });
    for (const e of ENTITIES) {
      const active = e.nameList ? ' WHERE Active IN (true, false)' : '';
      const found = await pageAll(em, token, e.qboName, `SELECT * FROM ${e.qboName}${active}`);
      all.set(e.qboName, new Map(found.map((r) => [r.Id, r])));
    }
    em.setConfig({ unfilterableEntities: ['CompanyInfo', 'Preferences', 'TaxCode', 'TaxRate'] });
  });
  after(() => em.close());

  function exists(qboName: string, ref: Ref | undefined, label: string): Row {
    assert.ok(ref, `${label}: a reference`);
    const target = all.get(qboName)?.get(ref.value);
    assert.ok(target, `${label}: ${qboName} ${ref.value} exists`);
    if (ref.name !== undefined) {
      const name = target.DisplayName ?? target.Name;
      assert.equal(ref.name, name, `${label}: the reference carries the target's name`);
    }
    return target;
  }

  it('serves each one with QBO heads, and truth equals what a query pages out', async () => {
    for (const e of ENTITIES) {
      const records = [...(all.get(e.qboName)?.values() ?? [])];
      assert.ok(records.length > 0, `${e.qboName} has records`);
      for (const r of records.slice(0, 20)) {
        assert.equal(r.domain, 'QBO');
        assert.match(r.Id, /^\d+$/);
        assert.match(r.MetaData.LastUpdatedTime, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}-0[78]:00$/);
        assert.equal(typeof r.SyncToken, 'string');
        assert.equal('Active' in r, e.nameList, `${e.qboName}: Active only on name lists`);
      }
      if (e.kind === 'snapshot') {
        assert.deepEqual([...(all.get(e.qboName)?.keys() ?? [])], ['1'], `${e.qboName}: one record, Id 1`);
        // Its truth is the whole entity, whatever range is asked for.
        const truth = await getJson<{ count: number }>(
          `${em.url}/__emulator/truth?realmId=${realm}&entity=${e.qboName}&from=2000-01-01&to=2000-01-02`,
        );
        assert.equal(truth.count, 1);
        continue;
      }
      if (e.read === 'whole') continue;
      const active = e.nameList ? ' AND Active IN (true, false)' : '';
      const paged = await pageAll(
        em,
        token,
        e.qboName,
        `SELECT * FROM ${e.qboName} WHERE ${TIME}${active}`,
        50,
      );
      const truth = await getJson<{ count: number }>(
        `${em.url}/__emulator/truth?realmId=${realm}&entity=${e.qboName}&from=${FROM}&to=${TO}`,
      );
      assert.equal(truth.count, paged.length, e.qboName);
      const count = await queryJson(em, token, `SELECT COUNT(*) FROM ${e.qboName} WHERE ${TIME}${active}`);
      assert.equal(count.QueryResponse.totalCount, paged.length, `${e.qboName} COUNT(*)`);
    }
  });

  it('has inactive records in every name list, hidden unless the query names Active', async () => {
    for (const e of ENTITIES.filter((x) => x.nameList)) {
      const records = [...(all.get(e.qboName)?.values() ?? [])];
      const inactive = records.filter((r) => r.Active === false).length;
      assert.ok(inactive > 0, `${e.qboName}: ${inactive} inactive`);
      const hidden = await pageAll(em, token, e.qboName, `SELECT * FROM ${e.qboName}`);
      assert.equal(hidden.length, records.length - inactive, e.qboName);
    }
  });

  it('references point at records that exist', () => {
    const get = (name: string) => [...(all.get(name)?.values() ?? [])];
    for (const inv of get('Invoice').slice(0, 100))
      exists('Customer', inv.CustomerRef as Ref, 'invoice customer');
    for (const p of get('Payment')) {
      const customer = exists('Customer', p.CustomerRef as Ref, 'payment customer');
      for (const line of p.Line as { LinkedTxn: { TxnId: string; TxnType: string }[] }[]) {
        const invoice = exists('Invoice', { value: line.LinkedTxn[0]?.TxnId as string }, 'payment invoice');
        assert.equal((invoice.CustomerRef as Ref).value, customer.Id, 'a payment names its invoice customer');
      }
    }
    for (const bp of get('BillPayment')) {
      const bill = exists(
        'Bill',
        { value: (bp.Line as { LinkedTxn: { TxnId: string }[] }[])[0]?.LinkedTxn[0]?.TxnId as string },
        'bill payment bill',
      );
      assert.deepEqual(bp.VendorRef, bill.VendorRef, 'a bill payment names its bill vendor');
    }
    for (const bill of get('Bill')) {
      exists('Vendor', bill.VendorRef as Ref, 'bill vendor');
      const ap = exists('Account', bill.APAccountRef as Ref, 'bill A/P account');
      assert.equal(ap.AccountType, 'Accounts Payable');
      for (const line of bill.Line as Record<string, { AccountRef?: Ref; ItemRef?: Ref }>[]) {
        const detail = line.AccountBasedExpenseLineDetail ?? line.ItemBasedExpenseLineDetail;
        if (detail?.AccountRef) exists('Account', detail.AccountRef, 'bill line account');
        if (detail?.ItemRef) exists('Item', detail.ItemRef, 'bill line item');
      }
    }
    for (const je of get('JournalEntry')) {
      const lines = je.Line as {
        Amount: number;
        JournalEntryLineDetail: { PostingType: string; AccountRef: Ref };
      }[];
      let balance = 0;
      for (const l of lines) {
        exists('Account', l.JournalEntryLineDetail.AccountRef, 'journal line account');
        balance += (l.JournalEntryLineDetail.PostingType === 'Debit' ? 1 : -1) * Math.round(l.Amount * 100);
      }
      assert.equal(balance, 0, 'journal entries balance');
    }
    for (const t of get('Transfer')) {
      assert.notEqual((t.FromAccountRef as Ref).value, (t.ToAccountRef as Ref).value);
      exists('Account', t.FromAccountRef as Ref, 'transfer from');
    }
    for (const a of get('Attachable')) {
      const ref = (a.AttachableRef as { EntityRef: { type: string; value: string } }[] | undefined)?.[0]
        ?.EntityRef;
      if (ref) exists(ref.type, { value: ref.value }, 'attachment target');
    }
    for (const ta of get('TimeActivity')) {
      exists(ta.NameOf as string, (ta.EmployeeRef ?? ta.VendorRef) as Ref, 'time activity worker');
    }
    for (const code of get('TaxCode')) {
      for (const d of (code.SalesTaxRateList as { TaxRateDetail: { TaxRateRef: Ref }[] }).TaxRateDetail)
        exists('TaxRate', d.TaxRateRef, 'tax code rate');
    }
  });

  it('refuses a LastUpdatedTime filter or order on the entities set unfilterable, with QBO 400 parser faults', async () => {
    for (const statement of [
      `SELECT * FROM CompanyInfo WHERE Metadata.LastUpdatedTime >= '${FROM}'`,
      `SELECT * FROM TaxCode WHERE Active IN (true, false) ORDERBY MetaData.LastUpdatedTime`,
    ]) {
      const res = await query(em, token, statement);
      assert.equal(res.status, 400, res.text);
      const fault = JSON.parse(res.text) as { Fault: { Error: { code: string; Detail: string }[] } };
      assert.equal(fault.Fault.Error[0]?.code, '4000');
      assert.match(
        fault.Fault.Error[0]?.Detail ?? '',
        /^QueryValidationError: property '(Metadata|MetaData)\.LastUpdatedTime' is not queryable for entity (CompanyInfo|TaxCode)$/,
      );
    }
    const whole = rows(await queryJson(em, token, 'SELECT * FROM Preferences'), 'Preferences');
    assert.equal(whole.length, 1);
    assert.ok(whole[0]?.SalesFormsPrefs);
  });

  it('refuses CDC for the entities change data capture does not cover', async () => {
    const since = encodeURIComponent(new Date(Date.now() - 86_400_000).toISOString());
    for (const entity of ['TimeActivity', 'TaxAgency', 'TaxCode', 'TaxRate']) {
      const res = await http(
        `${em.url}/v3/company/${realm}/cdc?entities=Invoice,${entity}&changedSince=${since}`,
        {
          headers: { authorization: `Bearer ${token}` },
        },
      );
      assert.equal(res.status, 400, `${entity}: ${res.text}`);
      assert.match(res.text, new RegExp(`${entity} is not supported by change data capture`));
    }
    const ok = await http(
      `${em.url}/v3/company/${realm}/cdc?entities=Bill,JournalEntry&changedSince=${since}`,
      {
        headers: { authorization: `Bearer ${token}` },
      },
    );
    assert.equal(ok.status, 200, ok.text);
  });
});

describe('the large profile', () => {
  it('serves every entity lazily, with payments in proportion to invoices', async () => {
    const em = await start({ profile: 'large', seed: 3 });
    try {
      const token = await accessToken(em);
      const day = `MetaData.LastUpdatedTime >= '2025-03-10T00:00:00Z' AND MetaData.LastUpdatedTime < '2025-03-11T00:00:00Z'`;
      const count = async (entity: string) =>
        (await queryJson(em, token, `SELECT COUNT(*) FROM ${entity} WHERE ${day}`)).QueryResponse
          .totalCount ?? -1;
      const invoices = await count('Invoice');
      const payments = await count('Payment');
      assert.ok(
        invoices > 800 && payments > 400 && payments < invoices,
        `${invoices} invoices, ${payments} payments`,
      );
      const page = rows(
        await queryJson(em, token, `SELECT * FROM Payment WHERE ${day} MAXRESULTS 1000`),
        'Payment',
      );
      assert.equal(page.length, payments);
    } finally {
      await em.close();
    }
  });
});
