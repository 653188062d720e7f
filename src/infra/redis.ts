/**
 * The deployment's Redis: one server (`REDIS_URL`) or a Redis Cluster (`REDIS_CLUSTER_NODES`), and
 * the names of the keys the product keeps there.
 *
 * On a cluster every key lives in one of 16,384 slots, each slot on one node, and a Lua script, a
 * MULTI or an MGET may only touch keys of one slot (else Redis answers CROSSSLOT). Only the part of
 * a key inside its first `{...}` (the hash tag) picks the slot. So on a cluster the names carry
 * hash tags: whatever one script or transaction touches shares a tag (a BullMQ queue's keys, one
 * realm's budget, the metrics hashes), and things that are independent get different tags, so they
 * spread over the nodes (each queue, each realm). On one server the names stay untagged, as they
 * always were, so that upgrading a deployment that runs on one Redis leaves its queued jobs in place.
 */
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { RedisCluster } from '../config/config.js';

/** Where Redis is: the parts of the configuration that say it. */
export interface RedisTarget {
  readonly redisUrl: string;
  readonly redisCluster: RedisCluster | undefined;
}

/** A client of either kind; both have every command the product uses. */
export type RedisClient = Redis | Cluster;

/** ioredis's options of one connection (on a cluster: of the connection to each node). */
export type ConnectionOptions = Pick<
  RedisOptions,
  | 'maxRetriesPerRequest'
  | 'retryStrategy'
  | 'commandTimeout'
  | 'connectionName'
  | 'keyPrefix'
  | 'enableReadyCheck'
>;

/** Cluster clients refresh their map of slots this often even when no MOVED says it changed. */
const SLOTS_REFRESH_MS = 10_000;

/**
 * Opens a client of the deployment's Redis. On a cluster, `retryStrategy` paces the reconnections
 * of the whole cluster client (ioredis's `clusterRetryStrategy`), and `keyPrefix` applies to
 * every command, as on one server.
 */
export function connectRedis(target: RedisTarget, options: ConnectionOptions): RedisClient {
  const cluster = target.redisCluster;
  if (!cluster) return new Redis(target.redisUrl, options);
  const { keyPrefix, retryStrategy, enableReadyCheck, ...perNode } = options;
  const clusterOptions: ClusterOptions = {
    ...(keyPrefix !== undefined ? { keyPrefix } : {}),
    ...(retryStrategy ? { clusterRetryStrategy: retryStrategy } : {}),
    enableReadyCheck: enableReadyCheck ?? true,
    slotsRefreshInterval: SLOTS_REFRESH_MS,
    redisOptions: {
      ...perNode,
      ...(cluster.username !== undefined ? { username: cluster.username } : {}),
      ...(cluster.password !== undefined ? { password: cluster.password } : {}),
      ...(cluster.tls ? { tls: {} } : {}),
    },
  };
  return new Cluster(
    cluster.nodes.map((n) => ({ host: n.host, port: n.port })),
    clusterOptions,
  );
}

/** A Redis connection as BullMQ workers need it (blocking commands must never time out). */
export function createRedis(
  /** The configuration, or a single server's URL. */
  target: RedisTarget | string,
  options: {
    forWorker?: boolean;
    /**
     * Stop reconnecting after this many failed attempts, so that a command answering a person
     * fails (saying Redis is unreachable) instead of waiting forever. Default: never give up.
     */
    giveUpAfterAttempts?: number;
  } = {},
): RedisClient {
  const giveUp = options.giveUpAfterAttempts;
  const where = typeof target === 'string' ? { redisUrl: target, redisCluster: undefined } : target;
  return connectRedis(where, {
    maxRetriesPerRequest: options.forWorker ? null : 3,
    enableReadyCheck: true,
    ...(giveUp !== undefined
      ? { retryStrategy: (times: number) => (times > giveUp ? null : Math.min(times * 200, 1_000)) }
      : {}),
  });
}

/** Where a Redis outage is reported: the URL, or the cluster's first node. */
export function redisAddress(target: RedisTarget): string {
  const node = target.redisCluster?.nodes[0];
  return node ? `redis://${node.host}:${node.port}` : target.redisUrl;
}

/** A client, or BullMQ's connection options (which are never a cluster's here). */
export type ClientKind = object;

/** Whether a client (ioredis's `isCluster`) talks to a Redis Cluster. */
export function onCluster(client: ClientKind): boolean {
  return 'isCluster' in client && client.isCluster === true;
}

/**
 * A hash tag on a cluster, the text as it is on one server: `{text}` puts every key that starts
 * with it in one slot.
 */
export function hashTag(redis: ClientKind, text: string): string {
  return onCluster(redis) ? `{${text}}` : text;
}

/**
 * The root of one area's keys under the deployment's prefix: `<prefix>:<area>`, one hash tag on a
 * cluster, so that a MULTI or MGET over the area's keys stays in one slot.
 */
export function keyRoot(redis: ClientKind, prefix: string, area: string): string {
  return hashTag(redis, `${prefix}:${area}`);
}

/**
 * BullMQ's prefix for one queue. BullMQ names a queue's keys `<prefix>:<queue>:<kind>` and its
 * scripts touch many of them at once: on a cluster the prefix is the tag `{<prefix>:<queue>}`, so
 * a queue's keys share a slot and each queue lands on a node of its own (ioredis's keyPrefix
 * cannot do this: BullMQ builds its key names itself). On one server it is the deployment's prefix.
 */
export function queueKeyPrefix(connection: ClientKind, prefix: string, queue: string): string {
  return onCluster(connection) ? `{${prefix}:${queue}}` : prefix;
}
