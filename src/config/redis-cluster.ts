/** `REDIS_CLUSTER_NODES`: the seed nodes of a Redis Cluster, and how to log in to it. */
import { ConfigError, read, type Env } from './config-values.js';

/** One seed node of a Redis Cluster. */
export interface RedisNode {
  readonly host: string;
  readonly port: number;
}

/**
 * `REDIS_CLUSTER_NODES`: the seed nodes (the client learns the others from them), and the
 * credentials and TLS a managed cluster needs, taken from entries written as URLs
 * (`rediss://user:password@host:port`); entries are otherwise `host:port`.
 */
export interface RedisCluster {
  readonly nodes: readonly RedisNode[];
  readonly username: string | undefined;
  readonly password: string | undefined;
  readonly tls: boolean;
}

const CLUSTER_NODES_EXPECTED =
  'expected host:port,host:port,... (or redis:// / rediss:// URLs) naming nodes of a Redis Cluster';

/** Parses `REDIS_CLUSTER_NODES`; undefined when unset. */
export function redisCluster(env: Env): RedisCluster | undefined {
  const raw = read(env, 'REDIS_CLUSTER_NODES');
  if (raw === undefined) return undefined;
  const nodes: RedisNode[] = [];
  let auth: { username: string | undefined; password: string | undefined; tls: boolean } | undefined;
  for (const entry of raw.split(',').map((e) => e.trim())) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(/^rediss?:\/\//.test(entry) ? entry : `redis://${entry}`);
    } catch {
      parsed = undefined;
    }
    const port = Number(parsed?.port);
    if (!parsed || !parsed.hostname || !Number.isInteger(port) || port < 1 || port > 65_535) {
      throw new ConfigError('REDIS_CLUSTER_NODES', CLUSTER_NODES_EXPECTED);
    }
    nodes.push({ host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'), port });
    const tls = parsed.protocol === 'rediss:';
    if (parsed.username || parsed.password || tls) {
      auth ??= {
        username: parsed.username ? decodeURIComponent(parsed.username) : undefined,
        password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
        tls,
      };
    }
  }
  return { nodes, username: auth?.username, password: auth?.password, tls: auth?.tls ?? false };
}
