/**
 * The QBO API routes (`/v3/company/{realmId}/query`, `/cdc` and `/reports/{Name}`) and the order in which a request
 * meets QBO's gates here:
 *   1. unknown realm: 403 (code 3100), not counted against any realm;
 *   2. limits: concurrency, then the sliding minute window (429, not counted in the window);
 *   3. latency (the request stays in flight meanwhile);
 *   4. faults: dropped connection, then 500/503;
 *   5. authentication: `Authorization: Bearer <access token>` (401, code 3200; a token of
 *      another company's connection: 403, code 3201);
 *   6. the endpoint itself, whose answer may then be truncated.
 * Every outcome is counted per realm in the stats.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EmulatorState } from '../state.js';
import { handleCdc } from './cdc-endpoint.js';
import {
  authenticationFault,
  notFoundFault,
  serverFault,
  throttleFault,
  unauthorizedRealmFault,
  unknownRealmFault,
} from './faults.js';
import { handleQuery, type Reply } from './query-endpoint.js';
import { handleReport } from '../reports/report-endpoint.js';
import type { CachedReply } from './reply-cache.js';
import { readBody, send, sendTruncated } from './request-io.js';

/** `/v3/company/{realm}/{operation}` and `/v3/company/{realm}/reports/{Name}`. */
export const API_PATH = /^\/v3\/company\/([^/]+)\/([^/]+)(?:\/([^/]+))?\/?$/;

export interface ApiContext {
  readonly state: EmulatorState;
  /** Waits on the emulator's clock (cut short on close). */
  sleep(ms: number): Promise<void>;
}

function latencyOf(state: EmulatorState): number {
  const l = state.config.latencyMs;
  if (typeof l === 'number') return l;
  return l[0] + state.faultRng() * (l[1] - l[0]);
}

export async function handleApiRequest(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  match: RegExpExecArray,
  ctx: ApiContext,
): Promise<void> {
  const { state } = ctx;
  const clock = state.clock;
  const realmId = decodeURIComponent(match[1] as string);
  const operation = (match[2] as string).toLowerCase();
  const store = state.stores.get(realmId);
  const limiter = state.limiters.get(realmId);
  if (!store || !limiter) {
    const fault = unknownRealmFault(realmId, clock.now());
    state.stats.unrouted(fault.status);
    return send(res, fault.status, fault.contentType, fault.body);
  }
  const answer = (reply: Reply | CachedReply) => {
    state.stats.realm(realmId, reply.status);
    send(res, reply.status, reply.contentType, reply.body);
  };

  const admitted = limiter.tryAcquire(clock.now(), state.config);
  if (admitted !== 'ok') return answer(throttleFault(state.config.xml429, clock.now()));
  try {
    const body = req.method === 'POST' ? await readBody(req) : '';
    const latency = latencyOf(state);
    if (latency > 0) await ctx.sleep(latency);

    // Always draw the three fault dice, so one knob does not shift the others' sequence.
    const [drop, serverError, truncate, which] = [
      state.faultRng(),
      state.faultRng(),
      state.faultRng(),
      state.faultRng(),
    ];
    const config = state.config;
    if (drop < config.dropRate) {
      state.stats.realm(realmId, 'dropped');
      req.socket.destroy();
      return;
    }
    // The moment the request is answered, its latency spent: what it sees is the data as of now.
    const now = clock.now();
    if (serverError < config.serverErrorRate) return answer(serverFault(which < 0.5 ? 500 : 503, now));

    const auth = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    const check = auth ? state.tokens.checkAccess(auth[1] as string, now, realmId) : 'unknown';
    if (check === 'other-realm') return answer(unauthorizedRealmFault(realmId, now));
    if (check !== 'ok') {
      return answer(
        authenticationFault(
          !auth
            ? 'Authorization header missing or not a Bearer token'
            : check === 'expired'
              ? 'Token expired'
              : 'Token invalid',
          now,
        ),
      );
    }

    if (config.unauthorizedRealms?.includes(realmId)) return answer(unauthorizedRealmFault(realmId, now));

    state.catchUpDrift(now);
    let reply: Reply | CachedReply;
    if (operation === 'query' && (req.method === 'GET' || req.method === 'POST') && match[3] === undefined) {
      const statement = req.method === 'POST' ? body : (url.searchParams.get('query') ?? undefined);
      const query = () =>
        handleQuery(
          statement,
          store,
          now,
          state.config.unfilterableEntities,
          state.config.hostileRecords === true,
        );
      // Everything the answer depends on but the data, whose version the cache checks.
      const key = `${realmId}\n${String(config.hostileRecords)}\n${config.unfilterableEntities.join()}\n${statement}`;
      reply = config.cacheReplies
        ? (state.replies.get(key, store.version) ?? state.replies.keep(key, store.version, query()))
        : query();
    } else if (operation === 'cdc' && req.method === 'GET' && match[3] === undefined) {
      reply = handleCdc(url.searchParams, store, now);
    } else if (operation === 'reports' && req.method === 'GET' && match[3] !== undefined) {
      const name = decodeURIComponent(match[3]);
      reply = await handleReport(name, url.searchParams, store, state.ledgers, now, config.reportCellLimit);
    } else {
      reply = notFoundFault(url.pathname, now);
    }
    if (truncate < config.truncateRate) {
      state.stats.realm(realmId, reply.status);
      return sendTruncated(res, reply.status, reply.contentType, reply.body.toString());
    }
    return answer(reply);
  } finally {
    // The answer is written (or the connection cut): the request is no longer in flight.
    limiter.release();
  }
}
