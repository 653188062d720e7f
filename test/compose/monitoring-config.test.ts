// The `monitoring` compose profile's Grafana dashboard and Prometheus configuration, checked
// without running them: every panel queries a metric the product exposes (or the contract promises
// it will), through the provisioned data source, and the scrape reaches the dashboard with its
// login. `npm run test:compose` also runs promtool on the Prometheus file.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../helpers/project-root.js';
import { sourceMetricNames } from '../helpers/metric-names.js';

const MONITORING = join(ROOT, 'docker', 'monitoring');

/** Metrics the contract promises at /metrics, whether or not the code has them yet. */
const CONTRACT_METRICS = [
  'qbo_backfill_qbo_requests_total',
  'qbo_backfill_token_refreshes_total',
  'qbo_backfill_qbo_request_duration_seconds',
  'qbo_backfill_rate_limit_wait_seconds',
];

/** What the dashboard must show, as the metric each topic is read from. */
const REQUIRED = {
  'runs by status': 'qbo_backfill_runs',
  'windows by status': 'qbo_backfill_windows',
  'requests by status': 'qbo_backfill_qbo_requests_total',
  'rows per second': 'qbo_backfill_rows',
  'token refreshes': 'qbo_backfill_token_refreshes_total',
  'queue depth': 'qbo_backfill_queue_jobs',
  'budget wait': 'qbo_backfill_rate_limit_wait_seconds',
};

/** Every metric name the product's sources register, and the contract's. */
function exposedMetrics(): Set<string> {
  return new Set([...CONTRACT_METRICS, ...sourceMetricNames()]);
}

/** The metric a series name belongs to: histograms are queried through their _bucket/_sum/_count. */
function metricOf(series: string): string {
  return series.replace(/_(bucket|sum|count)$/, '');
}

interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { type: string; uid: string };
  gridPos: { x: number; y: number; w: number; h: number };
  targets?: { refId: string; expr: string; datasource?: { uid: string } }[];
}

const dashboard = JSON.parse(
  readFileSync(join(MONITORING, 'grafana', 'dashboards', 'qbo-backfill.json'), 'utf8'),
) as { uid: string; title: string; panels: Panel[] };
const datasources = readFileSync(
  join(MONITORING, 'grafana', 'provisioning', 'datasources', 'prometheus.yml'),
  'utf8',
);
const datasourceUid = /^\s*uid:\s*(\S+)/m.exec(datasources)?.[1];

describe('Grafana dashboard of the monitoring profile', () => {
  it('queries only metrics the product exposes or the contract promises', () => {
    const exposed = exposedMetrics();
    const unknown: string[] = [];
    for (const panel of dashboard.panels) {
      for (const target of panel.targets ?? []) {
        for (const series of target.expr.match(/\bqbo_backfill_[a-z0-9_]+/g) ?? []) {
          if (!exposed.has(metricOf(series))) unknown.push(`${panel.title}: ${series}`);
        }
      }
    }
    assert.deepEqual(unknown, []);
  });

  it('shows runs, windows, requests, 429s, rows, token refreshes, queue depth and budget wait', () => {
    const queried = new Set(
      dashboard.panels.flatMap((p) =>
        (p.targets ?? []).flatMap((t) => (t.expr.match(/\bqbo_backfill_[a-z0-9_]+/g) ?? []).map(metricOf)),
      ),
    );
    const missing = Object.entries(REQUIRED)
      .filter(([, metric]) => !queried.has(metric))
      .map(([topic]) => topic);
    assert.deepEqual(missing, []);
    const throttled = dashboard.panels.some((p) =>
      (p.targets ?? []).some((t) => /qbo_backfill_qbo_requests_total\{[^}]*status="429"/.test(t.expr)),
    );
    assert.ok(throttled, 'a panel counts the 429 responses');
  });

  it('reads every panel through the provisioned Prometheus data source', () => {
    assert.equal(datasourceUid, 'qbo-prometheus');
    for (const panel of dashboard.panels) {
      assert.equal(panel.datasource?.uid, datasourceUid, panel.title);
      for (const target of panel.targets ?? []) {
        assert.equal(target.datasource?.uid ?? panel.datasource?.uid, datasourceUid, panel.title);
      }
    }
  });

  it('has unique panel ids and refIds, a title for each panel, and panels inside the 24-column grid', () => {
    const ids = dashboard.panels.map((p) => p.id);
    assert.equal(new Set(ids).size, ids.length);
    assert.equal(dashboard.uid, 'qbo-backfill');
    for (const panel of dashboard.panels) {
      assert.ok(panel.title.trim().length > 0);
      assert.ok(panel.targets && panel.targets.length > 0, `${panel.title} has a query`);
      const refIds = panel.targets.map((t) => t.refId);
      assert.equal(new Set(refIds).size, refIds.length, panel.title);
      assert.ok(panel.gridPos.x >= 0 && panel.gridPos.x + panel.gridPos.w <= 24, panel.title);
    }
  });
});

describe('Prometheus configuration of the monitoring profile', () => {
  const prometheus = readFileSync(join(MONITORING, 'prometheus.yml'), 'utf8');
  const compose = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');

  it('scrapes the dashboard service with the dashboard login from its compose secret', () => {
    assert.match(prometheus, /targets:\s*\['dashboard:3000'\]/);
    assert.match(prometheus, /password_file:\s*\/run\/secrets\/dashboard_password/);
    assert.match(prometheus, /username:\s*admin/);
    const service = /\n {2}prometheus:\n([\s\S]*?)\n {2}\w/.exec(compose)?.[1] ?? '';
    assert.match(service, /secrets:\s*\n\s*- dashboard_password/);
    assert.match(service, /profiles: \['monitoring'\]/);
  });
});
