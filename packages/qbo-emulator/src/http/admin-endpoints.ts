/**
 * The emulator's own control API under `/__emulator/` (never limited, delayed or faulted):
 *   GET  /__emulator/config          current config
 *   POST /__emulator/config          JSON patch, validated (400 on bad keys/values); returns the new config
 *   GET  /__emulator/truth?realmId=&entity=[&from=&to=][&ids=true]  (no from/to, or a
 *        one-per-company entity such as CompanyInfo: the whole entity)
 *   GET  /__emulator/stats           POST /__emulator/stats/reset
 *   POST /__emulator/webhooks/flush  delivers the waiting webhook events now; returns the stats
 *   POST /__emulator/records/touch   {realmId, entity, id, lastUpdatedTime?, active?}
 *   POST /__emulator/records/delete  {realmId, entity, id}: hard delete (transactions) or Active=false
 *   GET  /__emulator/records?realmId=&entity=&id=
 *   GET  /__emulator/health
 * Errors are `{"error":"..."}` with 400 or 404.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { EmulatorConfigError } from '../config.js';
import { parseInstant, parseUtcDate } from '../pacific-time.js';
import { EmulatorRequestError, WHOLE_SPAN, type EmulatorState } from '../state.js';
import type { TouchRequest } from '../types.js';
import { readBody, sendJson } from './request-io.js';

function required(params: URLSearchParams, name: string): string {
  const value = params.get(name);
  if (value === null || value === '') throw new EmulatorRequestError(400, `${name} is required`);
  return value;
}

/** An instant with an offset, or a UTC date (its midnight); `fallback` when the parameter is absent. */
function instantParam(params: URLSearchParams, name: string, fallback?: number): number {
  if (fallback !== undefined && !params.get(name)) return fallback;
  const text = required(params, name);
  const ms = parseInstant(text) ?? parseUtcDate(text);
  if (ms === undefined)
    throw new EmulatorRequestError(400, `${name}: expected an ISO-8601 instant with an offset or a UTC date`);
  return ms;
}

async function jsonBody(req: IncomingMessage): Promise<unknown> {
  const text = await readBody(req);
  try {
    return JSON.parse(text || '{}') as unknown;
  } catch {
    throw new EmulatorRequestError(400, 'expected a JSON body');
  }
}

export async function handleAdminRequest(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  state: EmulatorState,
): Promise<void> {
  const route = `${req.method ?? 'GET'} ${url.pathname.replace(/\/+$/, '')}`;
  const params = url.searchParams;
  try {
    switch (route) {
      case 'GET /__emulator/health':
        return sendJson(res, 200, { ok: true, realmIds: [...state.stores.keys()] });
      case 'GET /__emulator/config':
        return sendJson(res, 200, state.getConfig());
      case 'POST /__emulator/config':
        return sendJson(res, 200, state.setConfig(await jsonBody(req)));
      case 'GET /__emulator/stats':
        return sendJson(res, 200, state.statsSnapshot());
      case 'POST /__emulator/stats/reset':
        state.resetStats();
        return sendJson(res, 200, state.statsSnapshot());
      case 'POST /__emulator/webhooks/flush':
        if (!state.config.webhookUrl) throw new EmulatorRequestError(400, 'no webhookUrl is configured');
        await state.deliverWebhooks(true);
        return sendJson(res, 200, { ...state.statsSnapshot().webhooks, waiting: state.webhooks.waiting });
      case 'GET /__emulator/truth': {
        // Without from/to: every record of the entity (what a whole read of it returns).
        const from = instantParam(params, 'from', WHOLE_SPAN.from);
        const to = instantParam(params, 'to', WHOLE_SPAN.to);
        const withIds = params.get('ids') === 'true' || params.get('ids') === '1';
        return sendJson(
          res,
          200,
          state.truth(required(params, 'realmId'), required(params, 'entity'), from, to, withIds),
        );
      }
      case 'GET /__emulator/records': {
        const record = state.getRecord(
          required(params, 'realmId'),
          required(params, 'entity'),
          required(params, 'id'),
        );
        if (!record) throw new EmulatorRequestError(404, 'no such record');
        return sendJson(res, 200, record);
      }
      case 'POST /__emulator/records/touch': {
        const body = await jsonBody(req);
        if (typeof body !== 'object' || body === null)
          throw new EmulatorRequestError(400, 'expected a JSON object');
        const b = body as Record<string, unknown>;
        for (const key of ['realmId', 'entity'] as const) {
          if (typeof b[key] !== 'string')
            throw new EmulatorRequestError(400, `${key} is required (a string)`);
        }
        if (typeof b.id !== 'string' && typeof b.id !== 'number')
          throw new EmulatorRequestError(400, 'id is required');
        if (b.lastUpdatedTime !== undefined && typeof b.lastUpdatedTime !== 'string') {
          throw new EmulatorRequestError(
            400,
            'lastUpdatedTime: expected an ISO-8601 date-time with an offset',
          );
        }
        const request: TouchRequest = {
          realmId: String(b.realmId),
          entity: String(b.entity),
          id: String(b.id),
          lastUpdatedTime: b.lastUpdatedTime,
          active: b.active as boolean | undefined,
        };
        return sendJson(res, 200, state.touch(request));
      }
      case 'POST /__emulator/records/delete': {
        const b = (await jsonBody(req)) as Record<string, unknown> | null;
        if (
          typeof b?.realmId !== 'string' ||
          typeof b.entity !== 'string' ||
          (typeof b.id !== 'string' && typeof b.id !== 'number')
        ) {
          throw new EmulatorRequestError(400, 'expected {"realmId":..., "entity":..., "id":...}');
        }
        return sendJson(res, 200, state.remove({ realmId: b.realmId, entity: b.entity, id: String(b.id) }));
      }
      default:
        return sendJson(res, 404, { error: `no emulator route ${route}` });
    }
  } catch (err) {
    if (err instanceof EmulatorRequestError) return sendJson(res, err.status, { error: err.message });
    if (err instanceof EmulatorConfigError) return sendJson(res, 400, { error: err.message });
    throw err;
  }
}
