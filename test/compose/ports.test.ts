// What the cluster publishes, checked without running it: the admin (pages, Bull Board, /metrics)
// on the host's loopback only, and the dashboard's webhook port alone open to the network.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../helpers/project-root.js';

const compose = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');
const override = readFileSync(join(ROOT, 'docker-compose.override.yml'), 'utf8');

void describe('published ports', () => {
  it('serves webhooks on a port of their own', () => {
    assert.match(compose, /command: \['dashboard', '--port', '3000', '--webhook-port', '8090', /);
  });

  it('publishes the webhook port alone beyond the loopback, by default', () => {
    const published = [...override.matchAll(/^\s+- '\$\{(\w+):-([\d.]+)\}:\$\{\w+:-\d+\}:(\d+)'$/gm)].map(
      ([, variable, bind, port]) => ({ variable, bind, port }),
    );
    assert.ok(published.length >= 2, override);
    assert.deepEqual(
      published.filter((p) => p.bind !== '127.0.0.1'),
      [{ variable: 'WEBHOOK_BIND', bind: '0.0.0.0', port: '8090' }],
    );
    assert.ok(published.some((p) => p.variable === 'DASHBOARD_BIND' && p.port === '3000'));
  });
});
