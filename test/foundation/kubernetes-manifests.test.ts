// deploy/kubernetes, checked without a cluster: `kubectl kustomize` builds it, secrets reach the
// pods only as files of a Secret the base does not hold, every setting is one the product reads,
// the dashboard serves its webhooks on a port and Service of their own, and KEDA scales the workers
// on metrics the product exports, by job slots of the workers' own concurrency.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadAll } from 'js-yaml';
import { ROOT, typeScriptFiles } from '../helpers/project-root.js';
import { sourceMetricNames } from '../helpers/metric-names.js';

interface Container {
  name: string;
  args: string[];
  env?: { name: string; value?: string }[];
  envFrom?: { configMapRef?: { name: string } }[];
  ports?: { name: string; containerPort: number }[];
  volumeMounts?: { name: string; mountPath: string }[];
  readinessProbe?: unknown;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
}
interface PodSpec {
  containers: Container[];
  volumes?: { name: string; secret?: { secretName: string; items?: { key: string; path: string }[] } }[];
}
interface Resource {
  kind: string;
  metadata: { name: string };
  data?: Record<string, string>;
  spec?: {
    template?: { spec: PodSpec };
    selector?: Record<string, string>;
    ports?: { port: number; targetPort: string | number }[];
    scaleTargetRef?: { name: string };
    triggers?: { type: string; metadata: { query: string; threshold: string } }[];
  };
}

/** Values that are secrets: the manifests may only name the files holding them. */
const SECRETS = [
  'DATABASE_URL',
  'DATABASE_DIRECT_URL',
  'QBO_CLIENT_SECRET',
  'QBO_REFRESH_TOKEN',
  'TOKEN_ENCRYPTION_KEY',
  'DASHBOARD_PASSWORD',
  'QBO_WEBHOOK_VERIFIER_TOKEN',
];

/** The variables the product reads (the names its configuration code spells). */
function configVariables(): Set<string> {
  const names = new Set<string>();
  for (const file of typeScriptFiles(join(ROOT, 'src', 'config'))) {
    for (const m of readFileSync(file, 'utf8').matchAll(/'([A-Z][A-Z0-9_]{2,})'/g)) names.add(m[1] as string);
  }
  return names;
}

const kubectl = spawnSync('kubectl', ['kustomize', join(ROOT, 'deploy', 'kubernetes')], { encoding: 'utf8' });

describe('deploy/kubernetes', { skip: kubectl.error ? 'kubectl is not installed' : false }, () => {
  const resources = kubectl.status === 0 ? (loadAll(kubectl.stdout) as Resource[]) : [];
  const one = (kind: string, name: string): Resource => {
    const found = resources.find((r) => r.kind === kind && r.metadata.name.startsWith(name));
    assert.ok(found, `${kind} ${name}`);
    return found;
  };
  const pods = () =>
    resources.filter((r) => r.spec?.template).map((r) => [r, r.spec?.template?.spec] as const);

  it('builds with kubectl kustomize', () => {
    assert.equal(kubectl.status, 0, kubectl.stderr);
    assert.deepEqual(
      resources.map((r) => `${r.kind} ${r.metadata.name.replace(/-[a-z0-9]{10}$/, '')}`).sort(),
      [
        'ConfigMap qbo-backfill-config',
        'Deployment qbo-backfill-dashboard',
        'Deployment qbo-backfill-worker',
        'Job qbo-backfill-migrate',
        'ScaledObject qbo-backfill-worker',
        'Service qbo-backfill-dashboard',
        'Service qbo-backfill-webhooks',
      ],
    );
  });

  it('takes secrets only as files of a Secret it does not hold, and settings the product reads', () => {
    const config = one('ConfigMap', 'qbo-backfill-config');
    const known = configVariables();
    for (const key of Object.keys(config.data ?? {})) {
      assert.ok(known.has(key), `${key} is a setting of the product`);
      assert.ok(!SECRETS.includes(key), `${key} is a secret, not a setting`);
    }
    for (const [resource, spec] of pods()) {
      for (const container of spec?.containers ?? []) {
        assert.deepEqual(container.envFrom, [{ configMapRef: { name: config.metadata.name } }]);
        const secretVolume = spec?.volumes?.find((v) => v.secret);
        assert.equal(secretVolume?.secret?.secretName, 'qbo-backfill-secrets');
        const mount = container.volumeMounts?.find((m) => m.name === secretVolume?.name);
        const keys = new Set(secretVolume?.secret?.items?.map((i) => i.key));
        for (const { name, value } of container.env ?? []) {
          assert.ok(!SECRETS.includes(name), `${resource.metadata.name}: ${name} inline`);
          if (!name.endsWith('_FILE')) continue;
          assert.ok(SECRETS.includes(name.slice(0, -'_FILE'.length)), name);
          const key = value?.slice(`${mount?.mountPath}/`.length) ?? '';
          assert.ok(
            value?.startsWith(`${mount?.mountPath}/`) && keys.has(key),
            `${name}: a file of the Secret`,
          );
        }
        assert.ok(container.resources?.requests?.memory && container.resources.limits?.memory);
      }
    }
  });

  it('asks for the memory the benches measured: requests above the peak RSS, limits with room', () => {
    // Peak RSS (VmHWM) of the compiled product's processes, docs/BENCHMARKS.md (`redis-cluster`).
    const peakMiB = { 'qbo-backfill-worker': 209, 'qbo-backfill-dashboard': 138 };
    const mib = (quantity: string | undefined) => Number(/^(\d+)Mi$/.exec(quantity ?? '')?.[1] ?? NaN);
    for (const [name, peak] of Object.entries(peakMiB)) {
      const resources = one('Deployment', name).spec?.template?.spec.containers[0]?.resources;
      assert.ok(mib(resources?.requests?.memory) >= peak, `${name}: request ${resources?.requests?.memory}`);
      assert.ok(mib(resources?.limits?.memory) >= 1.5 * peak, `${name}: limit ${resources?.limits?.memory}`);
    }
  });

  it('serves the webhooks on a port and Service of their own, probed on /healthz', () => {
    const dashboard = one('Deployment', 'qbo-backfill-dashboard').spec?.template?.spec.containers[0];
    const args = dashboard?.args.join(' ') ?? '';
    assert.match(args, /^dashboard --port 3000 --webhook-port 3001 /);
    assert.deepEqual(dashboard?.ports, [
      { name: 'admin', containerPort: 3000 },
      { name: 'webhooks', containerPort: 3001 },
    ]);
    assert.deepEqual(one('Service', 'qbo-backfill-webhooks').spec?.ports, [
      { name: 'webhooks', port: 80, targetPort: 'webhooks' },
    ]);
    assert.equal(one('Service', 'qbo-backfill-dashboard').spec?.ports?.[0]?.targetPort, 'admin');
    assert.deepEqual(dashboard?.readinessProbe, {
      httpGet: { path: '/healthz', port: 'admin' },
      periodSeconds: 10,
      timeoutSeconds: 5,
      failureThreshold: 3,
    });
  });

  it('scales the workers on exported metrics, in job slots of their own concurrency', () => {
    const scaled = one('ScaledObject', 'qbo-backfill-worker');
    const worker = one('Deployment', 'qbo-backfill-worker');
    assert.equal(scaled.spec?.scaleTargetRef?.name, worker.metadata.name);
    const [trigger] = scaled.spec?.triggers ?? [];
    assert.equal(trigger?.type, 'prometheus');
    const used = [...(trigger?.metadata.query ?? '').matchAll(/qbo_backfill_[a-z0-9_]+/g)].map((m) => m[0]);
    assert.deepEqual([...new Set(used)].sort(), [
      'qbo_backfill_queue_backlog',
      'qbo_backfill_queue_jobs',
      'qbo_backfill_useful_job_slots',
    ]);
    const exported = sourceMetricNames();
    for (const metric of used) assert.ok(exported.has(metric), `${metric} is exported`);
    const args = worker.spec?.template?.spec.containers[0]?.args ?? [];
    assert.equal(trigger?.metadata.threshold, args[args.indexOf('--concurrency') + 1]);
    assert.equal(one('Job', 'qbo-backfill-migrate').spec?.template?.spec.containers[0]?.args[0], 'migrate');
  });
});
