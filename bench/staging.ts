/**
 * Schema staging at the large profile's scale: a million invoices (1,000 a day over three years,
 * 2024-2026) in raw.qb_invoices, made by one generated INSERT in the emulator's invoice shape
 * (1-4 item lines and QBO's subtotal line, 8.25% tax on 40% of them) rather than over HTTP: this
 * measures staging, not backfilling. It times:
 *   - materializing the ledger (docs/staging.md's recipe for reads that matter more than freshness);
 *   - `count(*)` of staging.general_ledger (a view), of the materialized ledger, and of the same
 *     postings by hand over raw JSONB; revenue by month from the ledger, from
 *     staging.invoice_lines, and by hand.
 * Each query runs twice (cold, then warm). `BENCH_STAGING_INVOICES` changes the count.
 */
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { createTestDatabase } from '../test/helpers/db.js';
import type { BenchResult } from './lib.js';

const INVOICES = Number(process.env.BENCH_STAGING_INVOICES ?? 1_095_000);
const REALM = '9130357766311111';
const ITEMS = 2_000;

/** The chart the rules need: A/R, sales tax, the two income accounts items name, retained earnings. */
const ACCOUNTS = [
  ['1', 'Checking', 'Bank', 'Checking'],
  ['2', 'Accounts Receivable (A/R)', 'Accounts Receivable', 'AccountsReceivable'],
  ['6', 'Sales of Product Income', 'Income', 'SalesOfProductIncome'],
  ['10', 'Services', 'Income', 'ServiceFeeIncome'],
  ['12', 'Board of Equalization Payable', 'Other Current Liability', 'SalesTaxPayable'],
  ['28', 'Retained Earnings', 'Equity', 'RetainedEarnings'],
] as const;

const AUDIT = `'2024-01-01'::timestamptz, '2027-01-01'::timestamptz, 1, 1000, 'bench'`;
const RAW_COLUMNS = `realm_id, id, payload, source_last_updated_utc, extract_window_start_utc,
  extract_window_end_utc, page_number, page_size, request_payload`;

/** Invoices `from`..`to` (ids), 1,000 a day from 2024-01-01, as the emulator shapes them. */
export function invoices(from: number, to: number): string {
  return `INSERT INTO raw.qb_invoices (${RAW_COLUMNS})
    SELECT '${REALM}', g::text, jsonb_build_object(
        'domain', 'QBO', 'sparse', false, 'Id', g::text, 'SyncToken', '0',
        'MetaData', jsonb_build_object('CreateTime', day || 'T10:00:00-08:00', 'LastUpdatedTime', day || 'T10:00:00-08:00'),
        'DocNumber', (1000 + g)::text, 'TxnDate', day, 'CurrencyRef', '{"value":"USD","name":"United States Dollar"}'::jsonb,
        'LinkedTxn', '[]'::jsonb,
        'Line', lines.line || jsonb_build_array(jsonb_build_object('Amount', lines.subtotal,
          'DetailType', 'SubTotalLineDetail', 'SubTotalLineDetail', '{}'::jsonb)),
        'TxnTaxDetail', jsonb_build_object('TotalTax', tax.amount),
        'CustomerRef', jsonb_build_object('value', (1 + g % 5000)::text, 'name', 'Customer ' || (1 + g % 5000)),
        'DueDate', (day::date + 30)::text, 'TotalAmt', lines.subtotal + tax.amount,
        'ApplyTaxAfterDiscount', false, 'PrintStatus', 'NotSet', 'EmailStatus', 'NotSet',
        'Balance', CASE WHEN g % 2 = 0 THEN 0 ELSE lines.subtotal + tax.amount END),
      (day || 'T18:00:00Z')::timestamptz, ${AUDIT}
    FROM generate_series(${from}, ${to}) g
    CROSS JOIN LATERAL (SELECT ('2024-01-01'::date + ((g - 1) / 1000) % 1096)::text AS day) d
    CROSS JOIN LATERAL (
      SELECT jsonb_agg(jsonb_build_object('Id', n::text, 'LineNum', n, 'Amount', qty * price,
          'DetailType', 'SalesItemLineDetail', 'SalesItemLineDetail', jsonb_build_object(
            'ItemRef', jsonb_build_object('value', item::text, 'name', 'Item ' || item),
            'UnitPrice', price, 'Qty', qty, 'TaxCodeRef', jsonb_build_object('value', 'NON')))) AS line,
        sum(qty * price) AS subtotal
      FROM (SELECT n, 1 + (g * 7 + n * 13) % ${ITEMS} AS item, 1 + (g + n) % 12 AS qty,
              (5 + (g * 3 + n) % 200)::numeric AS price
            FROM generate_series(1, 1 + g % 4) n) x
    ) lines
    CROSS JOIN LATERAL (SELECT CASE WHEN g % 5 < 2 THEN round(lines.subtotal * 0.0825, 2) ELSE 0 END AS amount) tax`;
}

export async function loadChart(db: pg.Client): Promise<void> {
  for (const [id, name, type, sub] of ACCOUNTS) {
    const payload = JSON.stringify({
      Id: id,
      Name: name,
      AccountType: type,
      AccountSubType: sub,
      Active: true,
    });
    await db.query(
      `INSERT INTO raw.qb_accounts (${RAW_COLUMNS}) VALUES ($1, $2, $3::jsonb, now(), ${AUDIT})`,
      [REALM, id, payload],
    );
  }
  await db.query(`INSERT INTO raw.qb_items (${RAW_COLUMNS})
    SELECT '${REALM}', g::text, jsonb_build_object('Id', g::text, 'Name', 'Item ' || g, 'Type',
        CASE WHEN g % 2 = 0 THEN 'Service' ELSE 'NonInventory' END, 'UnitPrice', 5 + g % 200,
        'IncomeAccountRef', jsonb_build_object('value', CASE WHEN g % 2 = 0 THEN '10' ELSE '6' END)),
      now(), ${AUDIT}
    FROM generate_series(1, ${ITEMS}) g`);
}

/**
 * Revenue by month from the ledger: the ledger grouped first (one pass over it), then joined to the
 * few accounts. Joined the other way round, PostgreSQL's estimate of a view over JSONB (one
 * income account) can make it read the whole ledger once per income account.
 */
export const REVENUE_BY_MONTH = `WITH by_account AS (
    SELECT realm_id, account_id, date_trunc('month', txn_date)::date AS month, sum(credit - debit) AS amount
    FROM staging.general_ledger GROUP BY 1, 2, 3)
  SELECT b.realm_id, b.month, sum(b.amount) AS revenue
  FROM by_account b JOIN staging.accounts a ON a.realm_id = b.realm_id AND a.id = b.account_id
  WHERE a.account_type IN ('Income', 'Other Income')
  GROUP BY 1, 2 ORDER BY 1, 2`;

const QUERIES: readonly (readonly [name: string, query: string])[] = [
  ['count(*) staging.general_ledger', 'SELECT count(*) FROM staging.general_ledger'],
  ['count(*) of the materialized ledger', 'SELECT count(*) FROM public.ledger'],
  [
    'count of the same postings by hand over raw JSONB',
    `SELECT count(*) FROM raw.qb_invoices i,
       LATERAL (SELECT 1 FROM jsonb_array_elements(i.payload -> 'Line') l
                WHERE l ->> 'DetailType' = 'SalesItemLineDetail' AND (l ->> 'Amount')::numeric <> 0
                UNION ALL SELECT 1 WHERE (i.payload ->> 'TotalAmt')::numeric <> 0
                UNION ALL SELECT 1 WHERE (i.payload #>> '{TxnTaxDetail,TotalTax}')::numeric <> 0) p
     WHERE i.deleted_at_utc IS NULL`,
  ],
  ['revenue by month from staging.general_ledger', REVENUE_BY_MONTH],
  [
    'revenue by month from staging.invoice_lines',
    `SELECT i.realm_id, date_trunc('month', i.txn_date)::date AS month, sum(l.amount) AS revenue
     FROM staging.invoice_lines l JOIN staging.invoices i ON i.realm_id = l.realm_id AND i.id = l.invoice_id
     WHERE l.detail_type = 'SalesItemLineDetail' GROUP BY 1, 2 ORDER BY 1, 2`,
  ],
  [
    'revenue by month by hand over raw JSONB',
    `SELECT i.realm_id, date_trunc('month', (i.payload ->> 'TxnDate')::date)::date AS month,
       sum((l ->> 'Amount')::numeric) AS revenue
     FROM raw.qb_invoices i, jsonb_array_elements(i.payload -> 'Line') l
     WHERE i.deleted_at_utc IS NULL AND l ->> 'DetailType' = 'SalesItemLineDetail'
     GROUP BY 1, 2 ORDER BY 1, 2`,
  ],
];

const seconds = (t0: number) => `${((performance.now() - t0) / 1000).toFixed(2)} s`;

export async function benchStaging(): Promise<BenchResult> {
  const t = await createTestDatabase();
  const db = new pg.Client({ connectionString: t.url });
  await db.connect();
  const rows: string[] = [];
  try {
    await loadChart(db);
    let t0 = performance.now();
    await db.query(invoices(1, INVOICES));
    await db.query('VACUUM ANALYZE raw.qb_invoices');
    const size = await db.query<{ size: string }>(
      `SELECT pg_size_pretty(pg_total_relation_size('raw.qb_invoices')) AS size`,
    );
    rows.push(
      `| load ${INVOICES.toLocaleString('en-US')} invoices (generated INSERT, VACUUM ANALYZE) | raw.qb_invoices ${size.rows[0]?.size} | ${seconds(t0)} |`,
    );
    // Where reads matter more than a fresh ledger: docs/staging.md's materialized view.
    t0 = performance.now();
    const kept = await db.query('CREATE MATERIALIZED VIEW public.ledger AS TABLE staging.general_ledger');
    rows.push(
      `| materialize the ledger (CREATE MATERIALIZED VIEW ... AS TABLE staging.general_ledger) | ${kept.rowCount} postings | ${seconds(t0)} |`,
    );
    const answers = new Map<string, string>();
    for (const [name, query] of QUERIES) {
      const times: string[] = [];
      let answer = '';
      for (let run = 0; run < 2; run++) {
        const started = performance.now();
        const result = await db.query<Record<string, unknown>>(query);
        times.push(seconds(started));
        const revenue = name.startsWith('revenue');
        answer = revenue ? `${result.rows.length} months` : String(Object.values(result.rows[0] ?? {})[0]);
        const months = result.rows.map((r) => `${String(r.month)} ${Number(r.revenue).toFixed(2)}`);
        if (revenue) answers.set(name, months.join());
      }
      rows.push(`| ${name} | ${answer} | ${times.join(', then ')} |`);
    }
    const same = new Set(answers.values()).size === 1;
    return {
      rows,
      notes: [
        `The three revenue-by-month queries give ${same ? 'the same' : 'DIFFERENT'} months and amounts.`,
      ],
    };
  } finally {
    await db.end();
    await t.drop();
  }
}
